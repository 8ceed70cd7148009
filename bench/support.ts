import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { s3ClientOptions } from '../cloud/clients';
import { spawn } from 'node:child_process';
import { LOCAL_CREDENTIALS, type S3Emulator } from '../cli/local/emulators';

/**
 * Benchmarks run against the local emulators only, with their dummy keys. The S3 emulator runs in
 * a child process so that it does not share the measured client's event loop.
 */
export async function benchS3(bucket: string): Promise<{ server: Pick<S3Emulator, 'endpoint' | 'close'>; s3: S3Client; dir: string }> {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shelfstack-bench-'));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 's3-emulator-process.ts'), path.join(dir, 's3'), bucket], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, '--openssl-legacy-provider'].filter(Boolean).join(' ') },
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`S3 emulator exited with ${code}`)));
  });
  const server = {
    endpoint,
    close: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
  const s3 = new S3Client({ ...s3ClientOptions(), endpoint, maxAttempts: 1 });
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

/** Runs a benchmark's main; a failure prints and exits non-zero so `npm run bench` reports it. */
export function runBench(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
