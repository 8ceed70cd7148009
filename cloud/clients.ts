import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Default clients, built once per process (per Lambda container). Region, credentials and
 * endpoints come from the standard AWS SDK variables (AWS_REGION, AWS_ENDPOINT_URL_S3, ...).
 */
let s3: S3Client | undefined;
let sqs: SQSClient | undefined;

export function s3ClientOptions(env: NodeJS.ProcessEnv = process.env) {
  return {
    // With a custom endpoint (an S3-compatible server, the local emulator) address buckets by path:
    // `bucket.localhost` does not resolve.
    forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3),
    // Checksums only where S3 demands them: with the SDK's default a streamed PutObject to an
    // S3-compatible server is stored with its aws-chunked framing as data.
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
  };
}

export function defaultS3(): S3Client {
  s3 ??= new S3Client(s3ClientOptions());
  return s3;
}

export function defaultSqs(): SQSClient {
  sqs ??= new SQSClient({});
  return sqs;
}

let ec2: EC2Client | undefined;
let route53: Route53Client | undefined;

export function defaultEc2(): EC2Client {
  ec2 ??= new EC2Client({});
  return ec2;
}

export function defaultRoute53(): Route53Client {
  // Route 53 is a global service with one endpoint; the SDK signs for us-east-1 whatever AWS_REGION says.
  route53 ??= new Route53Client({});
  return route53;
}
