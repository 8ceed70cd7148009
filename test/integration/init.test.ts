import { execFile } from 'node:child_process';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { s3ClientOptions } from '../../cloud/clients';
import { publishSignal } from '../../cloud/signals';
import { receiveMessages } from '../../cloud/sqs';
import { decodeSignal } from '../../core/signals';
import { BLOCK_BEGIN, BLOCK_END } from '../../core/hosts-block';
import { formatManifestKey, HOSTS_KEY } from '../../core/keys';
import { installHosts } from '../../instance/hosts-step';
import { runInit } from '../../instance/init';
import { tempDir, useEmulators } from '../support/emulators';
import { useIamRole } from '../support/iam';

const emu = useEmulators('shelfstack-init');
useIamRole('WebInstanceRole', { params: { cluster: 'inittest', bucket: 'shelfstack-init' } });

async function publishHosts(text: string) {
  await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: HOSTS_KEY, Body: text }));
}

describe('shelfstack init', () => {
  it('installs the hosts block beside other lines, syncs the listing, creates the queue, and a second run changes nothing', async () => {
    const dir = await tempDir();
    const hostsFile = path.join(dir, 'hosts');
    const cloudInitCfg = path.join(dir, 'cloud.cfg.d', '99-shelfstack.cfg');
    const listingDir = path.join(dir, 'listing');
    await writeFile(hostsFile, `127.0.0.1 localhost\n${BLOCK_BEGIN}\n10.9.9.9 dbserver\n${BLOCK_END}\n10.1.1.1 mine\n`);
    await chmod(hostsFile, 0o640);
    await publishHosts('10.0.0.5 dbserver\n');
    const manifest = { book: 'B1', chunks: [{ file: 'a b+c_1.mp3', size: 3, etag: 'e', lastModified: '2026-01-01T00:00:00.000Z' }] };
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: formatManifestKey('B1'), Body: JSON.stringify(manifest) }));
    const opts = {
      s3: emu.s3, sqs: emu.sqs, cluster: 'inittest', bucket: emu.bucket,
      identity: { instanceId: 'i-0init', roles: ['web'] }, hostsFile, cloudInitCfg, listingDir,
    };

    const first = await runInit(opts);
    expect(await readFile(hostsFile, 'utf8')).toBe(`127.0.0.1 localhost\n${BLOCK_BEGIN}\n10.0.0.5 dbserver\n${BLOCK_END}\n10.1.1.1 mine\n`);
    expect((await stat(hostsFile)).mode & 0o777).toBe(0o640);
    expect(await readFile(cloudInitCfg, 'utf8')).toMatch(/^manage_etc_hosts: false$/m);
    expect(await readFile(path.join(listingDir, 'B1', 'a b+c_1.mp3'), 'utf8')).toBe('');
    expect(first.changes).toHaveLength(4);
    const q = await emu.sqs.send(new GetQueueUrlCommand({ QueueName: 'shelfstack-inittest-signal-i-0init' }));
    expect(q.QueueUrl).toBe(first.queueUrl);

    const before = (await stat(hostsFile)).mtimeMs;
    const second = await runInit(opts);
    expect(second.changes).toEqual([]);
    expect((await stat(hostsFile)).mtimeMs).toBe(before);
  });

  it('creates the signal queue before the listing sync, so a listing-changed sent while the sync runs waits in it', async () => {
    const dir = await tempDir();
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: formatManifestKey('Q1'), Body: JSON.stringify({ book: 'Q1', chunks: [{ file: 'q_1.mp3', size: 1, etag: 'e', lastModified: '2026-01-01T00:00:00.000Z' }] }) }));
    // The sync's LIST of the manifests is held while the test publishes a signal.
    const s3 = new S3Client({ ...s3ClientOptions(), endpoint: emu.s3Server.endpoint });
    let listed!: () => void;
    const syncing = new Promise<void>((r) => (listed = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'ListObjectsV2Command') {
          listed();
          await gate;
        }
        return out;
      },
      { step: 'initialize', name: 'signalDuringSync' },
    );
    const init = runInit({
      s3, sqs: emu.sqs, cluster: 'inittest', bucket: emu.bucket,
      identity: { instanceId: 'i-0race', roles: ['web'] },
      hostsFile: path.join(dir, 'hosts'), cloudInitCfg: path.join(dir, 'c.cfg'), listingDir: path.join(dir, 'listing'),
    });
    await syncing;
    const published = await publishSignal(emu.sqs, 'inittest', { type: 'listing-changed', data: { book: 'Q1' } });
    release();
    const report = await init;
    s3.destroy();

    expect(published.delivered).toBeGreaterThanOrEqual(1);
    expect(await readFile(path.join(dir, 'listing', 'Q1', 'q_1.mp3'), 'utf8')).toBe('');
    const waiting = await receiveMessages(emu.sqs, report.queueUrl, { waitSeconds: 1, max: 10 });
    expect(waiting.map((m) => decodeSignal(m.Body!))).toEqual([{ type: 'listing-changed', data: { book: 'Q1' } }]);
  });

  it('leaves the hosts file alone and says so when nothing is published yet', async () => {
    const dir = await tempDir();
    const hostsFile = path.join(dir, 'hosts');
    await writeFile(hostsFile, '127.0.0.1 localhost\n');
    await emu.s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: HOSTS_KEY }));
    const { notes } = await installHosts({ s3: emu.s3, bucket: emu.bucket, hostsFile, cloudInitCfg: path.join(dir, 'c.cfg') });
    expect(notes).toEqual([`${HOSTS_KEY} is not published yet: ${hostsFile} left as it is`]);
    expect(await readFile(hostsFile, 'utf8')).toBe('127.0.0.1 localhost\n');
  });

  it('never lets a concurrent reader see a partial hosts file', async () => {
    const dir = await tempDir();
    const hostsFile = path.join(dir, 'hosts');
    const others = Array.from({ length: 2000 }, (_, i) => `10.2.${i >> 8}.${i & 255} other${i}`).join('\n');
    await writeFile(hostsFile, `${others}\n`);
    const versions = ['10.0.0.5 dbserver\n10.0.0.6 replserver\n', '10.0.0.7 dbserver\n10.0.0.8 replserver\n'];
    const allowed = new Set([`${others}\n`, ...versions.map((v) => `${others}\n\n${BLOCK_BEGIN}\n${v}${BLOCK_END}\n`)]);

    let writing = true;
    const seen: string[] = [];
    const reader = (async () => {
      while (writing) seen.push(await readFile(hostsFile, 'utf8'));
    })();
    for (let i = 0; i < 30; i++) {
      await publishHosts(versions[i % 2]!);
      await installHosts({ s3: emu.s3, bucket: emu.bucket, hostsFile, cloudInitCfg: path.join(dir, 'c.cfg') });
    }
    writing = false;
    await reader;
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.filter((s) => !allowed.has(s))).toEqual([]);
  });

  it('as a command prints what changed, then that nothing changed', async () => {
    const dir = await tempDir();
    const hostsFile = path.join(dir, 'hosts');
    await writeFile(hostsFile, '127.0.0.1 localhost\n');
    await publishHosts('10.0.0.9 dbserver\n');
    const run = () =>
      promisify(execFile)(process.execPath, [path.resolve(__dirname, '../../bin/shelfstack.js'), 'init', '--hosts-file', hostsFile], {
        env: {
          ...process.env,
          SHELFSTACK_CLUSTER: 'initcli',
          SHELFSTACK_BUCKET: emu.bucket,
          SHELFSTACK_INSTANCE_ID: 'i-0cli',
          SHELFSTACK_ROLE: 'ftp',
          SHELFSTACK_CLOUD_INIT_CFG: path.join(dir, '99-shelfstack.cfg'),
          AWS_ENDPOINT_URL_S3: emu.s3Server.endpoint,
          AWS_ENDPOINT_URL_SQS: emu.sqsServer.endpoint,
        },
      });
    const first = await run();
    expect(first.stdout).toContain(`changed: ${hostsFile}: managed block added`);
    expect(first.stdout).toContain('changed: signal queue shelfstack-initcli-signal-i-0cli created');
    const second = await run();
    expect(second.stdout).toBe('init: nothing changed\n');
  });
});
