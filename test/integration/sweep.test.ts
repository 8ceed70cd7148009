import 'aws-sdk-client-mock-jest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { signalQueuePrefix } from '../../core/signals';
import { listQueueUrls } from '../../cloud/sqs';
import type { sweepHandler as SweepHandler } from '../../functions/sweep';
import { Agent } from '../../instance/agent';
import type { CacheControl } from '../../instance/cache-control';
import { ensureSignalQueue } from '../../instance/signal-consumer';
import { useEmulators } from '../support/emulators';
import { waitFor } from '../support/wait';
import { useIamRole } from '../support/iam';

const emu = useEmulators('shelfstack-sweep');
const CLUSTER = 'sweeptest';
const ec2Mock = mockClient(EC2Client);
useIamRole('SweepRole', { params: { cluster: CLUSTER } });
const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(__dirname, '../../events', name), 'utf8')) as EventBridgeEvent<string, unknown>;

class RecordingCache implements CacheControl {
  calls: string[] = [];
  async sweep() {
    this.calls.push('sweep');
    return { removedFiles: 0, freedBytes: 0, cacheBytes: 0 };
  }
  async invalidate(book: string, file: string) {
    this.calls.push(`invalidate ${book}|${file}`);
    return true;
  }
}

const agents: Agent[] = [];
afterAll(async () => Promise.all(agents.map((a) => a.stop())));

function handler() {
  // The module reads its configuration at load, as in Lambda.
  process.env.SHELFSTACK_CLUSTER = CLUSTER;
  const { sweepHandler } = require('../../functions/sweep') as { sweepHandler: typeof SweepHandler };
  return sweepHandler({ sqs: emu.sqs, ec2: new EC2Client({ region: 'us-east-1' }), cluster: CLUSTER, logger: new Logger({ logLevel: (process.env.DEBUG_SWEEP ? 'INFO' : 'SILENT') as 'INFO' }) });
}

async function startAgents(ids: string[]): Promise<RecordingCache[]> {
  return Promise.all(
    ids.map(async (instanceId) => {
      const cache = new RecordingCache();
      const agent = new Agent({ s3: emu.s3, sqs: emu.sqs, cluster: CLUSTER, bucket: emu.bucket, instanceId, cache, waitSeconds: 1 });
      await agent.start();
      agents.push(agent);
      return cache;
    }),
  );
}

describe('the sweep function', () => {
  beforeEach(() => ec2Mock.reset());

  it('turns a chunk deletion into an invalidate of exactly that decoded key, on two agents', async () => {
    const caches = await startAgents(['i-0000000000000000a', 'i-0000000000000000b']);
    await handler()(fixture('s3-object-deleted.json'));
    for (const cache of caches) {
      await waitFor(() => cache.calls.length > 0, 10_000, 'the invalidate');
      expect(cache.calls).toEqual(['invalidate B0001|red flower+1_2.mp3']);
    }
    await handler()(fixture('s3-object-created.json'));
    for (const cache of caches) await waitFor(() => cache.calls.includes('invalidate B0001|Chapter 1_1.mp3'), 10_000, 'overwrite invalidate');
  });

  it('on schedule signals sweep to every agent and deletes only the queues of instances EC2 no longer has', async () => {
    const caches = await startAgents(['i-0000000000000000c']);
    await ensureSignalQueue(emu.sqs, CLUSTER, 'i-0000000000000000d'); // terminated
    await ensureSignalQueue(emu.sqs, CLUSTER, 'i-0000000000000000e'); // unknown to EC2
    await ensureSignalQueue(emu.sqs, CLUSTER, 'local-web1'); // not an EC2 id: never checked
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: ['a', 'b', 'c'].map((x) => ({ InstanceId: `i-0000000000000000${x}`, State: { Name: 'running' as const } })),
        },
        { Instances: [{ InstanceId: 'i-0000000000000000d', State: { Name: 'terminated' as const } }] },
      ],
    });
    await handler()(fixture('sweep-schedule.json'));
    await waitFor(() => caches[0]!.calls.includes('sweep'), 10_000, 'the sweep');
    const names = (await listQueueUrls(emu.sqs, signalQueuePrefix(CLUSTER))).map((u) => u.slice(u.lastIndexOf('-signal-') + 8)).sort();
    expect(names).toEqual(['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c', 'local-web1']);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
  });

  it('ignores keys outside audiobooks/ and rejects events of unknown shape', async () => {
    const outside = fixture('s3-object-deleted.json') as EventBridgeEvent<string, { object: { key: string } }>;
    outside.detail.object.key = 'listing/B0001.json';
    await expect(handler()(outside)).resolves.toBeUndefined();
    await expect(handler()({ ...outside, source: 'aws.ec2' })).rejects.toThrow(/not a schedule or S3 object event/);
  });
});
