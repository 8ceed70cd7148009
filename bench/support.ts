import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { s3ClientOptions } from '../cloud/clients';
import { LOCAL_CREDENTIALS, startS3Emulator, type S3Emulator } from '../cli/local/emulators';

/** Benchmarks run against the local emulators only, with their dummy keys. */
export async function benchS3(bucket: string): Promise<{ server: S3Emulator; s3: S3Client; dir: string }> {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shelfstack-bench-'));
  const server = await startS3Emulator({ directory: path.join(dir, 's3'), bucket });
  const s3 = new S3Client({ ...s3ClientOptions(), endpoint: server.endpoint, maxAttempts: 1 });
  return { server, s3, dir };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - t) / 1e9 };
}

/** Median of `runs` timings of `fn` (seconds), to damp a noisy 2-core machine. */
export async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timed(fn)).seconds);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function row(label: string, value: string, goal = ''): void {
  console.log(`${label.padEnd(52)} ${value.padStart(16)}  ${goal}`);
}
