import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Client } from 'basic-ftp';
import pino from 'pino';
import { startLocalStack, type LocalStack } from '../../cli/local/stack';
import { MP3_FRAME_HEADER } from '../../core/mpeg';
import { tempDir } from '../support/emulators';
import { waitFor } from '../support/wait';

/** One emulator fault costs one upload, never the rehearsal. */
let stack: LocalStack;
let dir: string;
const lines: { message: string; [k: string]: unknown }[] = [];
const logger = pino({ level: 'info', messageKey: 'message' }, { write: (l: string) => lines.push(JSON.parse(l)) });
const mp3 = (bytes: number) => Buffer.concat([Buffer.from(MP3_FRAME_HEADER), Buffer.alloc(bytes - 4, 7)]);
// A valid chunk name for S3 (keys up to 1024 bytes) that s3rver cannot hold on disk.
const LONG = `${'Ä'.repeat(60)}${'x'.repeat(115)}_1.mp3`;

beforeAll(async () => {
  dir = await tempDir('shelfstack-local-crash-');
  stack = await startLocalStack({ dir, webCount: 1, logger });
}, 30_000);

afterAll(async () => {
  await stack?.stop();
});

async function ftpUpload(book: string, file: string, body: Buffer): Promise<void> {
  const { host, port, users } = stack.info.ftp;
  const client = new Client(5000);
  try {
    await client.access({ host, port, user: users[0]!.user, password: users[0]!.password });
    await client.ensureDir(`/audiobooks/${book}`);
    await client.uploadFrom(Readable.from(body), file);
  } finally {
    client.close();
  }
}

const inS3 = (key: string) => stack.s3.send(new HeadObjectCommand({ Bucket: stack.info.s3.bucket, Key: key })).then(() => true, () => false);

describe('the rehearsal and a failing S3 emulator', () => {
  it('rejects an FTP upload the emulator cannot store, with its reason, and keeps running', async () => {
    expect(Buffer.byteLength(LONG)).toBeGreaterThanOrEqual(234);
    expect(Buffer.byteLength(LONG)).toBeLessThanOrEqual(255);
    await ftpUpload('B0901', LONG, mp3(5000));
    const quarantined = await waitFor(() => lines.find((l) => l.message === 'ftp_upload_quarantined'), 10_000, 'the upload quarantined');
    expect(quarantined.reason).toMatch(/local S3 emulator cannot store a name of 2\d\d bytes/);
    const entries = await readdir(path.join(dir, 'ftp', 'quarantine'));
    expect(entries).toHaveLength(1);
    expect(await readFile(path.join(dir, 'ftp', 'quarantine', entries[0]!, 'reason.txt'), 'utf8')).toMatch(/^the local S3 emulator/);
    expect(existsSync(path.join(dir, 'ftp', 'quarantine', entries[0]!, 'upload', LONG))).toBe(true);
  });

  it('answers a name it cannot hold with KeyTooLongError, and survives the emulator process dying: it comes back, the next chunk flows through', async () => {
    // The integrity layer in front of s3rver refuses such a key cleanly now, where s3rver threw.
    const put = stack.s3.send(new PutObjectCommand({ Bucket: stack.info.s3.bucket, Key: `audiobooks/B0902/${LONG}`, Body: mp3(5000) }));
    await expect(put).rejects.toMatchObject({ name: 'KeyTooLongError' });
    expect(lines.find((l) => l.message === 'local_s3_emulator_crashed')).toBeUndefined();

    // Any other fault that ends the emulator's process: kill it under the rehearsal.
    const pid = Number(execFileSync('pgrep', ['-f', `s3-emulator.*${path.join(dir, 's3')}`], { encoding: 'utf8' }).trim().split('\n')[0]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => lines.find((l) => l.message === 'local_s3_emulator_crashed'), 10_000, 'the crash logged');
    expect(lines.find((l) => l.message === 'local_s3_emulator_crashed')).toMatchObject({ signal: 'SIGKILL', restarts: 1 });
    await waitFor(() => lines.find((l) => l.message === 'local_s3_emulator_restarted'), 15_000, 'the emulator restarted');

    await ftpUpload('B0903', 'After_1.mp3', mp3(20_000));
    await waitFor(() => inS3('audiobooks/B0903/After_1.mp3'), 15_000, 'the next chunk in S3');
    await waitFor(() => existsSync(path.join(stack.webs[0]!.listingDir, 'B0903', 'After_1.mp3')), 20_000, 'the next chunk in the listing');
  }, 60_000);
});
