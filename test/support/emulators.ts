import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { s3ClientOptions } from '../../cloud/clients';
import { startS3Emulator, startSqsEmulator, type S3Emulator, type SqsEmulator } from '../../cli/local/emulators';

export interface Emulators {
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  s3Server: S3Emulator;
  sqsServer: SqsEmulator;
  dir: string;
}

/**
 * Real S3 and SQS emulators on loopback for one test file: started in beforeAll, stopped in
 * afterAll. The endpoints also go into the environment, as the SDK reads them in deployed code.
 */
export function useEmulators(bucket = 'shelfstack-test'): Emulators {
  const ctx = {} as Emulators;
  beforeAll(async () => {
    ctx.dir = await mkdtemp(path.join(os.tmpdir(), 'shelfstack-emu-'));
    ctx.s3Server = await startS3Emulator({ directory: path.join(ctx.dir, 's3'), bucket });
    ctx.sqsServer = await startSqsEmulator();
    process.env.AWS_ENDPOINT_URL_S3 = ctx.s3Server.endpoint;
    process.env.AWS_ENDPOINT_URL_SQS = ctx.sqsServer.endpoint;
    ctx.bucket = bucket;
    ctx.s3 = new S3Client({ ...s3ClientOptions(), endpoint: ctx.s3Server.endpoint });
    ctx.sqs = new SQSClient({ endpoint: ctx.sqsServer.endpoint });
  });
  afterAll(async () => {
    ctx.s3?.destroy();
    ctx.sqs?.destroy();
    await ctx.s3Server?.close();
    await ctx.sqsServer?.close();
    if (ctx.dir) await rm(ctx.dir, { recursive: true, force: true });
  });
  return ctx;
}

/**
 * A fresh temp folder, removed when the test file is done (by test/support/environment.js, after
 * the file's own afterAll hooks have stopped whatever wrote there).
 */
export async function tempDir(prefix = 'shelfstack-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const dirs = (globalThis as { __shelfstackTempDirs?: string[] }).__shelfstackTempDirs;
  if (!dirs) throw new Error('tempDir() needs the jest environment of test/support/environment.js');
  dirs.push(dir);
  return dir;
}
