import '../../support/fleet-env';
import {
  AttachVolumeCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
  type Volume as Ec2Volume,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { TAG, type Instance } from '../../../core/fleet';
import { dbHandler } from '../../../functions/db';
import { captureLog, impairedStatus, okStatus, reservations } from '../../support/aws-shapes';
import { World } from '../../support/fleet-world';
import { useIamRole } from '../../support/iam';
import { invoke, type FleetEvent } from '../../support/lambda';

const ec2mock = mockClient(EC2Client);
useIamRole('DbRole', { params: { cluster: 'main', subnets: 'subnet-0aaaa1111,subnet-0bbbb2222' }, refs: { DbLaunchTemplate: 'lt-0db123def4567890a' } });
const T0 = new Date('2026-11-24T12:00:00.000Z');
const dbTags = { [TAG.cluster]: 'main', [TAG.role]: 'db,repl', [TAG.slot]: 'db' };

/** EC2 backed by the toy world: the db handler's calls read and change it as AWS would. */
function wire(w: World) {
  const asSpec = (i: Instance) => ({ id: i.id, state: i.state, privateIp: i.privateIp, clientToken: i.clientToken, launchTime: i.launchTime, tags: i.tags });
  const asVolume = (): Ec2Volume[] =>
    w.volumes.map((v) => ({
      VolumeId: v.id,
      State: v.state,
      AvailabilityZone: v.availabilityZone,
      Attachments: v.attachments.map((a) => ({ VolumeId: v.id, InstanceId: a.instanceId, Device: a.device, State: a.state })),
      Tags: Object.entries(v.tags).map(([Key, Value]) => ({ Key, Value })),
    }));
  ec2mock.on(DescribeInstancesCommand).callsFake(() => reservations(w.instances.map(asSpec)));
  ec2mock.on(DescribeInstanceStatusCommand).callsFake(() => ({
    InstanceStatuses: w.instances
      .filter((i) => i.state === 'running')
      .map((i) => (i.checks?.instance === 'impaired' ? impairedStatus(i.id, i.checks.impairedSince!) : okStatus(i.id))),
  }));
  ec2mock.on(DescribeVolumesCommand).callsFake(() => ({ Volumes: asVolume() }));
  ec2mock.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-0aaaa1111', AvailabilityZone: 'eu-west-1a', VpcId: 'vpc-0abc1234', State: 'available' }] });
  ec2mock.on(RunInstancesCommand).callsFake((input) => {
    const tags = Object.fromEntries((input.TagSpecifications?.[0]?.Tags ?? []).map((t: { Key: string; Value: string }) => [t.Key, t.Value]));
    return { Instances: [{ InstanceId: w.launch(input.ClientToken, tags, 'eu-west-1a') }] };
  });
  ec2mock.on(StopInstancesCommand).callsFake((input) => {
    w.applyDb({ waiting: [], stop: { instanceId: input.InstanceIds[0], force: !!input.Force, reason: 'mock' } });
    return { StoppingInstances: [] };
  });
  ec2mock.on(DetachVolumeCommand).callsFake((input) => {
    w.applyDb({ waiting: [], detach: { volumeId: input.VolumeId, instanceId: input.InstanceId, reason: 'mock' } });
    return { State: 'detaching' };
  });
  ec2mock.on(AttachVolumeCommand).callsFake((input) => {
    w.applyDb({ waiting: [], attach: { volumeId: input.VolumeId, instanceId: input.InstanceId, device: input.Device } });
    return { State: 'attaching' };
  });
  const handler = dbHandler({ ec2: new EC2Client({}), cluster: 'main', dbLaunchTemplate: 'lt-0db123def4567890a', dbDevice: '/dev/sdf', subnets: ['subnet-0aaaa1111'], healthGrace: 300, healthPort: 80, logger: captureLog(), now: () => w.now });
  return (event: string) => invoke<FleetEvent, void>(handler, event);
}

function cluster(holderState: Instance['state']) {
  const holder: Instance = { id: 'i-0dbold', state: holderState, launchTime: new Date('2026-11-01T00:00:00Z'), availabilityZone: 'eu-west-1a', privateIp: '10.0.1.10', tags: dbTags, checks: { instance: 'ok', system: 'ok' } };
  return new World([holder], [], undefined, T0, [
    { id: 'vol-0db', state: 'in-use', availabilityZone: 'eu-west-1a', attachments: [{ instanceId: 'i-0dbold', device: '/dev/sdf', state: 'attached' }], tags: { [TAG.cluster]: 'main', [TAG.slot]: 'db' } },
  ]);
}

const holderOf = (w: World) => w.volume('vol-0db').attachments.map((a) => `${a.instanceId}:${a.state}`);

beforeEach(() => ec2mock.reset());

describe('db failover through the handler, against EC2 as the toy world answers it', () => {
  it('a terminated server: launch on its event, attach on the replacement running, duplicates change nothing', async () => {
    const w = cluster('running');
    const run = wire(w);
    w.get('i-0dbold').state = 'shutting-down';
    await run('ec2-state-change-terminated.json');
    await run('ec2-state-change-terminated.json');
    expect(w.instances.map((i) => [i.id, i.state])).toEqual([['i-0dbold', 'shutting-down'], ['i-launched00000001', 'pending']]);
    expect(w.get('i-launched00000001').tags).toEqual(dbTags);
    w.settle(); // the old one terminated (EC2 detached its volume), the replacement is running
    await run('ec2-state-change-running.json');
    await run('ec2-state-change-running.json');
    expect(holderOf(w)).toEqual(['i-launched00000001:attaching']);
    w.settle();
    await run('schedule-rate.json');
    expect(holderOf(w)).toEqual(['i-launched00000001:attached']);
    expect(ec2mock).toHaveReceivedCommandTimes(AttachVolumeCommand, 1);
    expect(ec2mock).not.toHaveReceivedCommand(DetachVolumeCommand);
  });

  it('a server failing its checks: nothing within the grace, then stop and launch, detach once stopped, attach on the next tick', async () => {
    const w = cluster('running');
    const run = wire(w);
    w.get('i-0dbold').checks = { instance: 'impaired', system: 'ok', impairedSince: T0 };
    w.now = new Date(T0.getTime() + 120_000);
    await run('schedule-rate.json');
    expect(ec2mock).not.toHaveReceivedCommand(StopInstancesCommand);
    w.now = new Date(T0.getTime() + 360_000);
    await run('schedule-rate.json');
    expect([w.get('i-0dbold').state, w.instances.length]).toEqual(['stopping', 2]);
    expect(holderOf(w)).toEqual(['i-0dbold:attached']);
    w.settle(); // stopped; the replacement is running
    await run('ec2-state-change-stopped.json');
    expect(holderOf(w)).toEqual(['i-0dbold:detaching']);
    w.settle();
    await run('schedule-rate.json');
    w.settle();
    expect(holderOf(w)).toEqual(['i-launched00000001:attached']);
    expect(ec2mock.commandCalls(StopInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: ['i-0dbold'] }]);
  });
});
