import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { formatManifestKey } from '../../core/keys';
import { encodeSignal } from '../../core/signals';
import { sendMessage } from '../../cloud/sqs';
import { ensureSignalQueue } from '../../instance/signal-consumer';
import { tempDir, useEmulators } from '../support/emulators';
import { waitFor } from '../support/wait';
import { useIamRole } from '../support/iam';

const emu = useEmulators('shelfstack-agentproc');
useIamRole('WebInstanceRole', { params: { cluster: 'proctest', bucket: 'shelfstack-agentproc' } });
const ROOT = path.resolve(__dirname, '../..');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('shelfstack agent as a process', () => {
  it('handles a queued signal, then drains and exits 0 on SIGTERM well before its long poll ends', async () => {
    const dir = await tempDir('shelfstack-agentproc-');
    const listingDir = path.join(dir, 'listing');
    const book = { book: 'B9', chunks: [{ file: 'x_1.mp3', size: 1, etag: 'e', lastModified: '2026-01-01T00:00:00.000Z' }] };
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: formatManifestKey('B9'), Body: JSON.stringify(book) }));
    const queueUrl = await ensureSignalQueue(emu.sqs, 'proctest', 'i-0proc');
    await sendMessage(emu.sqs, queueUrl, encodeSignal({ type: 'listing-changed', data: { book: 'B9' } }));

    const child = spawn(process.execPath, [path.join(ROOT, 'bin/shelfstack.js'), 'agent', '--no-hosts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        SHELFSTACK_CLUSTER: 'proctest',
        SHELFSTACK_BUCKET: emu.bucket,
        SHELFSTACK_INSTANCE_ID: 'i-0proc',
        SHELFSTACK_ROLE: 'web',
        SHELFSTACK_LISTING_DIR: listingDir,
        // The SQS emulator answers a long poll only when its wait ends, queued messages or not.
        SHELFSTACK_AGENT_WAIT_SECONDS: '8',
        AWS_ENDPOINT_URL_S3: emu.s3Server.endpoint,
        AWS_ENDPOINT_URL_SQS: emu.sqsServer.endpoint,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    await waitFor(() => existsSync(path.join(listingDir, 'B9', 'x_1.mp3')), 15_000, 'the book synced by the agent').catch((e: Error) => {
      throw new Error(`${e.message}; agent output:\n${out}`);
    });
    await waitFor(() => out.includes('"signal_handled"'), 5_000, 'signal_handled logged');
    // Now the agent sits in its next 8 s long poll: SIGTERM must abort it and exit promptly.
    const sentAt = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(3_000);
    const events = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).message);
    expect(events).toEqual(expect.arrayContaining(['agent_started', 'shutdown_started', 'agent_stopped', 'shutdown_done']));
  }, 45_000);
});
