import '../../support/fleet-env';
import { AllocateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { TAG } from '../../../core/fleet';
import {
  associateAddress,
  describeClusterAddresses,
  existingInstances,
  launchInstance,
  observeInstances,
  tagResources,
  terminateInstances,
  untagResources,
} from '../../../cloud/ec2';
import { changeRecords, getARecord, upsertChange, type RetryOptions } from '../../../cloud/route53';
import { eipHandler } from '../../../functions/eip';
import type { FleetEvent as EmulatorEvent } from '../../../cli/local/fleet-emulator';
import { captureLog } from '../../support/aws-shapes';
import { invoke, type FleetEvent } from '../../support/lambda';
import { FAST, instance, startHarness, until, waitForState, webTemplate, type Harness } from './harness';

// shelfstack's own adapters and a fleet function, unchanged, against the local EC2 and Route 53.
const CLUSTER = 'main';
const webTags = { [TAG.cluster]: CLUSTER, [TAG.role]: 'web' };
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await webTemplate(h.ec2, 'shelfstack-web', webTags);
});
afterEach(() => h.close());

const retry: RetryOptions = { attempts: 20, baseMs: 50, maxMs: 100, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: () => 1 };

async function slotAddress(slot: string) {
  const res = await h.ec2.send(
    new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: TAG.cluster, Value: CLUSTER }, { Key: TAG.slot, Value: slot }] }] }),
  );
  return { allocationId: res.AllocationId!, publicIp: res.PublicIp! };
}

test('cloud/ec2.ts: launch (by name and by lt- id), observe with status checks, associate verified, tag, terminate', async () => {
  const www1 = await launchInstance(h.ec2, 'shelfstack-web', 'test-www1', { ...webTags, [TAG.slot]: 'www1' });
  const lt = h.emu.snapshot().templates[0]!.id;
  const www2 = await launchInstance(h.ec2, lt, 'test-www2', { ...webTags, [TAG.slot]: 'www2' });
  expect(await launchInstance(h.ec2, 'shelfstack-web', 'test-www1', { ...webTags, [TAG.slot]: 'www1' })).toBe(www1);

  const observed = await until(async () => {
    const all = await observeInstances(h.ec2, CLUSTER);
    return all.length === 2 && all.every((i) => i.checks?.instance === 'ok' && i.checks.system === 'ok') ? all : undefined;
  });
  expect(observed.map((i) => i.tags[TAG.slot]).sort()).toEqual(['www1', 'www2']);
  expect(observed.every((i) => i.state === 'running' && /^127\.0\.2\./.test(i.privateIp!) && /^127\.0\.3\./.test(i.publicIp!))).toBe(true);
  expect(observed.find((i) => i.id === www1)!.clientToken).toBe('test-www1');

  const eip = await slotAddress('www1');
  await associateAddress(h.ec2, eip.allocationId, www1, false);
  const addresses = await describeClusterAddresses(h.ec2, CLUSTER);
  expect(addresses).toEqual([expect.objectContaining({ ...eip, instanceId: www1, tags: { [TAG.cluster]: CLUSTER, [TAG.slot]: 'www1' } })]);
  await expect(associateAddress(h.ec2, eip.allocationId, www2, false)).rejects.toMatchObject({ name: 'Resource.AlreadyAssociated' });

  await tagResources(h.ec2, [www2], { [TAG.lifecycle]: 'draining' });
  await untagResources(h.ec2, [www2], [TAG.lifecycle]);
  expect((await instance(h, www2)).Tags!.some((t) => t.Key === TAG.lifecycle)).toBe(false);

  await terminateInstances(h.ec2, [www2]);
  expect(await existingInstances(h.ec2, [www1, www2, 'i-0000000000000000f'])).toEqual(new Set([www1]));
});

test('cloud/route53.ts: changeRecords retries PriorRequestNotComplete, getARecord reads the set back', async () => {
  await h.close();
  h = await startHarness({ timings: { ...FAST, recordSyncMs: 1000 } });
  const zone = await h.r53.send(new CreateHostedZoneCommand({ Name: 'shelfstack.example', CallerReference: 'adapters' }));
  const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
  const sleeps: number[] = [];
  const counting: RetryOptions = { ...retry, sleep: (ms) => (sleeps.push(ms), retry.sleep(ms)) };
  expect(await getARecord(h.r53, zoneId, 'www.shelfstack.example', counting)).toBeUndefined();
  await changeRecords(h.r53, zoneId, [upsertChange({ name: 'www.shelfstack.example', ttl: 300, values: ['127.0.1.1'] })], 'first', counting);
  expect(sleeps).toEqual([]);
  // The first change is PENDING for a second: the second is refused, backed off and retried until it goes through.
  await changeRecords(h.r53, zoneId, [upsertChange({ name: 'www.shelfstack.example', ttl: 300, values: ['127.0.1.1', '127.0.1.2'] })], 'second', counting);
  expect(sleeps.length).toBeGreaterThan(0);
  expect(await getARecord(h.r53, zoneId, 'www.shelfstack.example', counting)).toEqual({ name: 'www.shelfstack.example', ttl: 300, values: ['127.0.1.1', '127.0.1.2'] });
  expect(await getARecord(h.r53, zoneId, 'WWW.shelfstack.example.', counting)).toMatchObject({ values: ['127.0.1.1', '127.0.1.2'] });
});

test('eip, end to end: a terminated slot instance gets one replacement and the address moves to it', async () => {
  const log = captureLog();
  const handler = eipHandler({ ec2: h.ec2, cluster: CLUSTER, healthGrace: 300, healthPort: 80, launchTemplate: 'shelfstack-web', logger: log, now: () => new Date() });
  const eip = await slotAddress('www1');
  const schedule = { version: '0', id: 'tick', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '123456789012', time: new Date().toISOString(), region: 'us-east-1', resources: [], detail: {} } as unknown as FleetEvent;

  // A fresh deploy is a recovery: the slot has no instance, so eip launches one and gives it the address.
  const tick = async () => void (await invoke(handler, schedule));
  const holder = async () => (await h.ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.allocationId] }))).Addresses![0]!.InstanceId;
  const first = await until(async () => (await tick(), await holder()), 8000, 'first association');

  // EventBridge delivers the state changes to eip, each twice (at least once, as it promises).
  const failures: unknown[] = [];
  const runs: Promise<unknown>[] = [];
  const deliver = (e: EmulatorEvent) => {
    if (e['detail-type'] !== 'EC2 Instance State-change Notification') return;
    for (let k = 0; k < 2; k++) runs.push(invoke(handler, e as unknown as FleetEvent).catch((err: unknown) => failures.push(err)));
  };
  h.emu.events.on('event', deliver);
  await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [first] }));
  await waitForState(h, first, 'terminated');
  const second = await until(async () => {
    await tick();
    const id = await holder();
    return id && id !== first ? id : undefined;
  }, 8000, 'the address on the replacement');
  h.emu.events.off('event', deliver);
  await Promise.all(runs);
  expect(runs.length).toBeGreaterThanOrEqual(4);

  expect(failures).toEqual([]);
  const replacement = await instance(h, second);
  expect(replacement.PublicIpAddress).toBe(eip.publicIp);
  expect(replacement.ClientToken).toBe(`eip-${CLUSTER}-www1-${first}`);
  expect(Object.fromEntries(replacement.Tags!.map((t) => [t.Key, t.Value]))).toEqual({ ...webTags, [TAG.slot]: 'www1' });
  const all = await h.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: `tag:${TAG.slot}`, Values: ['www1'] }] }));
  expect(all.Reservations!.flatMap((r) => r.Instances!).map((i) => i.InstanceId).sort()).toEqual([first, second].sort());
  expect(log.lines.filter((l) => l.message === 'replacement_launched').map((l) => l.attrs.instanceId)).toContain(second);
});
