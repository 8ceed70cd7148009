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

/**
 * The S3 client's settings. Against AWS they are the SDK's defaults: checksums are computed on
 * upload and validated on download whenever S3 supports them. Only when the process is told it
 * talks to the local S3 emulator (`SHELFSTACK_S3_EMULATOR=true`, written by the rehearsal, the
 * tests and the benchmarks, never by the deployment) are they cut to WHEN_REQUIRED: s3rver stores
 * a streamed PutObject's aws-chunked framing as data. A custom endpoint alone (an S3-compatible
 * server in production) keeps the defaults.
 */
export function s3ClientOptions(env: NodeJS.ProcessEnv = process.env) {
  return {
    // With a custom endpoint (an S3-compatible server, the local emulator) address buckets by path:
    // `bucket.localhost` does not resolve.
    forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3),
    ...(isS3Emulator(env) ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
  };
}

export function isS3Emulator(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SHELFSTACK_S3_EMULATOR === 'true';
}

export function defaultS3(): S3Client {
  s3 ??= new S3Client(s3ClientOptions());
  return s3;
}

export function defaultSqs(): SQSClient {
  sqs ??= new SQSClient({});
  return sqs;
}
