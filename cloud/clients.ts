import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Default clients, built once per process (per Lambda container). Region, credentials and
 * endpoints come from the standard AWS SDK variables (AWS_REGION, AWS_ENDPOINT_URL_S3, ...).
 * EC2 and Route 53 live in fleet-clients.ts: the EC2 client alone adds ~90 MB to a Node process,
 * and the processes on the instances (web, agent, ftp) never use it.
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
