import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { formatManifestKey, HOSTS_KEY } from '../../core/keys';
import { signalQueueName } from '../../core/signals';
import { publishSignal } from '../../cloud/signals';
import { sendMessage } from '../../cloud/sqs';
import { Agent } from '../../instance/agent';
import type { CacheControl } from '../../instance/cache-control';
import { ListingSync } from '../../instance/listing-sync';
import { tempDir, useEmulators } from '../support/emulators';
import { waitFor } from '../support/wait';
import { useIamRole } from '../support/iam';

const emu = useEmulators('shelfstack-agent');
const CLUSTER = 'agenttest';
useIamRole('WebInstanceRole', { params: { cluster: CLUSTER, bucket: 'shelfstack-agent' } });

class RecordingCache implements CacheControl {
  calls: string[] = [];
  async sweep() {
    this.calls.push('sweep');
    return { removedFiles: 0, freedBytes: 0, cacheBytes: 0 };
  }
  async invalidate(book: string, file: string) {
    this.calls.push(`invalidate ${book}/${file}`);
    return true;
  }
}

interface Harness {
  agent: Agent;
  cache: RecordingCache;
  listingDir: string;
  hostsFile: string;
  dropped: string[];
}

const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

async function startAgent(instanceId: string, withCache = true): Promise<Harness> {
  const dir = await tempDir('shelfstack-agent-');
  const listingDir = path.join(dir, 'listing');
  const hostsFile = path.join(dir, 'hosts');
  await writeFile(hostsFile, '127.0.0.1 localhost\n');
  const cache = new RecordingCache();
  const agent = new Agent({
    s3: emu.s3, sqs: emu.sqs, cluster: CLUSTER, bucket: emu.bucket, instanceId,
    listing: new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir: listingDir }),
    hosts: { hostsFile, cloudInitCfg: path.join(dir, 'cloud.cfg') },
    cache: withCache ? cache : undefined,
    waitSeconds: 1,
  });
  const dropped: string[] = [];
  agent.on('dropped', (reason: string) => dropped.push(reason));
  await agent.start();
  agents.push(agent);
  return { agent, cache, listingDir, hostsFile, dropped };
}

async function putManifest(book: string, files: string[]) {
  const chunks = files.map((file) => ({ file, size: 1, etag: 'e', lastModified: '2026-01-01T00:00:00.000Z' }));
  await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: formatManifestKey(book), Body: JSON.stringify({ book, chunks }) }));
}

describe('the signals agent', () => {
  it('delivers sweep and invalidate to two agents, invalidating exactly the chunk whose key has a space and a plus', async () => {
    const [a, b] = [await startAgent('i-0aaa'), await startAgent('i-0bbb')];
    await publishSignal(emu.sqs, CLUSTER, { type: 'sweep', data: {} });
    await publishSignal(emu.sqs, CLUSTER, { type: 'invalidate', data: { key: 'audiobooks/B7/red flower+1.mp3' } });
    for (const h of [a, b]) {
      await waitFor(() => h.cache.calls.length === 2, 10_000, 'two cache calls');
      expect(h.cache.calls.sort()).toEqual(['invalidate B7/red flower+1.mp3', 'sweep']);
    }
  });

  it('syncs one book on listing-changed with a book, and every book without one', async () => {
    const h = await startAgent('i-0ccc');
    await putManifest('B1', ['one_1.mp3']);
    await putManifest('B2', ['two_1.mp3']);
    await publishSignal(emu.sqs, CLUSTER, { type: 'listing-changed', data: { book: 'B1' } });
    await waitFor(() => existsSync(path.join(h.listingDir, 'B1', 'one_1.mp3')), 10_000, 'B1 in the listing');
    expect(existsSync(path.join(h.listingDir, 'B2'))).toBe(false);
    await publishSignal(emu.sqs, CLUSTER, { type: 'listing-changed', data: {} });
    await waitFor(() => existsSync(path.join(h.listingDir, 'B2', 'two_1.mp3')), 10_000, 'B2 in the listing');
  });

  it('installs the published hosts block on hosts-changed', async () => {
    const h = await startAgent('i-0ddd');
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: HOSTS_KEY, Body: '10.0.0.5 dbserver\n' }));
    await publishSignal(emu.sqs, CLUSTER, { type: 'hosts-changed', data: {} });
    await waitFor(async () => (await readFile(h.hostsFile, 'utf8')).includes('10.0.0.5 dbserver'), 10_000, 'hosts block');
    expect(await readFile(h.hostsFile, 'utf8')).toMatch(/^127\.0\.0\.1 localhost\n/);
  });

  it('logs and deletes garbage and unknown signals, and keeps handling the next ones', async () => {
    const h = await startAgent('i-0eee');
    const url = h.agent.queueUrl!;
    expect(url.endsWith(signalQueueName(CLUSTER, 'i-0eee'))).toBe(true);
    await sendMessage(emu.sqs, url, 'not json at all');
    await sendMessage(emu.sqs, url, JSON.stringify({ type: 'reboot', data: {} }));
    await sendMessage(emu.sqs, url, JSON.stringify({ type: 'invalidate', data: { key: 'listing/B1.json' } }));
    await sendMessage(emu.sqs, url, JSON.stringify({ type: 'sweep', data: {} }));
    await waitFor(() => h.cache.calls.includes('sweep'), 10_000, 'the sweep after the garbage');
    await waitFor(() => h.dropped.length === 3, 10_000, 'three dropped messages');
    expect(h.cache.calls).toEqual(['sweep']);
  });

  it('drops sweep and invalidate with a log line when the instance has no cache', async () => {
    const h = await startAgent('i-0fff', false);
    await sendMessage(emu.sqs, h.agent.queueUrl!, JSON.stringify({ type: 'sweep', data: {} }));
    await waitFor(() => h.dropped.includes('no handler for sweep'), 10_000, 'the dropped sweep');
  });
});
