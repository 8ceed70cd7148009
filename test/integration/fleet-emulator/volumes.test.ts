import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Volume,
} from '@aws-sdk/client-ec2';
import { instance, launchRunning, startHarness, until, waitForState, webTemplate, type Harness } from './harness';

// EBS as the db slot reconciler meets it: one instance at a time, its AZ only, attach/detach take a moment.
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await webTemplate(h.ec2);
});
afterEach(() => h.close());

const dbTags = [{ ResourceType: 'volume' as const, Tags: [{ Key: 'shelfstack:cluster', Value: 'test' }, { Key: 'shelfstack:slot', Value: 'db' }] }];

async function volume(id: string): Promise<Volume> {
  return (await h.ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0]!;
}

async function availableVolume(az = 'us-east-1a'): Promise<string> {
  const v = await h.ec2.send(new CreateVolumeCommand({ AvailabilityZone: az, Size: 20, VolumeType: 'gp3', TagSpecifications: dbTags }));
  expect(v.State).toBe('creating');
  await until(async () => ((await volume(v.VolumeId!)).State === 'available' ? true : undefined), 3000, 'available');
  return v.VolumeId!;
}

test('attaching → attached, one instance at a time: a second attach is VolumeInUse', async () => {
  const vol = await availableVolume();
  const a = await launchRunning(h);
  const b = await launchRunning(h);
  const att = await h.ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: a, Device: '/dev/sdf' }));
  expect(att).toMatchObject({ State: 'attaching', InstanceId: a, Device: '/dev/sdf', VolumeId: vol });
  await expect(h.ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: b, Device: '/dev/sdf' }))).rejects.toMatchObject({
    name: 'VolumeInUse',
    $metadata: { httpStatusCode: 400 },
  });
  const attached = await until(async () => {
    const v = await volume(vol);
    return v.Attachments?.[0]?.State === 'attached' ? v : undefined;
  });
  expect(attached).toMatchObject({ State: 'in-use', Attachments: [{ InstanceId: a, Device: '/dev/sdf', DeleteOnTermination: false }] });
  expect((await instance(h, a)).BlockDeviceMappings!.map((m) => m.DeviceName)).toEqual(['/dev/xvda', '/dev/sdf']);
});

test('a volume attaches only in its own AZ (InvalidVolume.ZoneMismatch)', async () => {
  const vol = await availableVolume('us-east-1b');
  const a = await launchRunning(h, {}, { Placement: { AvailabilityZone: 'us-east-1a' } });
  await expect(h.ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: a, Device: '/dev/sdf' }))).rejects.toMatchObject({
    name: 'InvalidVolume.ZoneMismatch',
  });
  const b = await launchRunning(h, {}, { Placement: { AvailabilityZone: 'us-east-1b' } });
  await h.ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: b, Device: '/dev/sdf' }));
});

test('an explicit DetachVolume (here from a stopped instance) goes detaching → available', async () => {
  const vol = await availableVolume();
  const a = await launchRunning(h);
  await h.ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: a, Device: '/dev/sdf' }));
  await h.ec2.send(new StopInstancesCommand({ InstanceIds: [a] }));
  await waitForState(h, a, 'stopped');
  // Stopping keeps the volume attached.
  expect((await volume(vol)).State).toBe('in-use');
  const det = await h.ec2.send(new DetachVolumeCommand({ VolumeId: vol, InstanceId: a }));
  expect(det.State).toBe('detaching');
  await until(async () => ((await volume(vol)).State === 'available' ? true : undefined), 3000, 'available');
  expect((await volume(vol)).Attachments).toEqual([]);
  await expect(h.ec2.send(new DetachVolumeCommand({ VolumeId: vol }))).rejects.toMatchObject({ name: 'IncorrectState' });
});

test('terminating the instance frees its data volume and deletes its root volume', async () => {
  const vol = await availableVolume();
  const a = await launchRunning(h);
  const root = (await instance(h, a)).BlockDeviceMappings![0]!.Ebs!.VolumeId!;
  await expect(h.ec2.send(new DetachVolumeCommand({ VolumeId: root }))).rejects.toMatchObject({ name: 'OperationNotPermitted' });
  await h.ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: a, Device: '/dev/sdf' }));
  await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [a] }));
  await waitForState(h, a, 'terminated');
  expect(await volume(vol)).toMatchObject({ State: 'available', Attachments: [] });
  await expect(volume(root)).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
});

test('DescribeVolumes filters by tags and attachment.instance-id, and pages', async () => {
  const vol = await availableVolume();
  const a = await launchRunning(h);
  await h.ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: a, Device: '/dev/sdf' }));
  const ids = async (Filters: { Name: string; Values: string[] }[], MaxResults?: number) =>
    (await h.ec2.send(new DescribeVolumesCommand({ Filters, MaxResults }))).Volumes!.map((v) => v.VolumeId);
  expect(await ids([{ Name: 'tag:shelfstack:cluster', Values: ['test'] }, { Name: 'tag:shelfstack:slot', Values: ['db'] }])).toEqual([vol]);
  expect((await ids([{ Name: 'attachment.instance-id', Values: [a] }])).sort()).toEqual([vol, (await instance(h, a)).BlockDeviceMappings![0]!.Ebs!.VolumeId].sort());
  expect(await ids([{ Name: 'status', Values: ['available'] }])).toEqual([]);
  await expect(ids([], 4)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  await expect(h.ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol], MaxResults: 5 }))).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
});
