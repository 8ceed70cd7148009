import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DisassociateAddressCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { instance, launchRunning, startHarness, waitForState, webTemplate, type Harness } from './harness';

// Addresses as EC2 hands them out, from loopback pools the rehearsal can bind: private, public, elastic.
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await webTemplate(h.ec2);
});
afterEach(() => h.close());

const slotTags = [{ ResourceType: 'elastic-ip' as const, Tags: [{ Key: 'shelfstack:cluster', Value: 'test' }, { Key: 'shelfstack:slot', Value: 'www1' }] }];

test('an instance gets a private address and, when its subnet maps one, a public one, from the loopback pools', async () => {
  const id = await launchRunning(h);
  const i = await instance(h, id);
  expect(i.PrivateIpAddress).toMatch(/^127\.0\.2\.\d+$/);
  expect(i.PublicIpAddress).toMatch(/^127\.0\.3\.\d+$/);
  // A template that asks for no public address gets none.
  const run = await h.ec2.send(
    new RunInstancesCommand({
      LaunchTemplate: { LaunchTemplateName: 'shelfstack-web' },
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: false }],
    }),
  );
  expect(run.Instances![0]!.PublicIpAddress).toBeUndefined();
  expect(run.Instances![0]!.PrivateIpAddress).not.toBe(i.PrivateIpAddress);
});

test('associating an elastic IP releases the auto-assigned public address; terminating the holder disassociates it', async () => {
  const alloc = await h.ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: slotTags }));
  expect(alloc.PublicIp).toMatch(/^127\.0\.1\.\d+$/);
  expect(alloc.AllocationId).toMatch(/^eipalloc-[0-9a-f]{17}$/);
  const id = await launchRunning(h);
  const auto = (await instance(h, id)).PublicIpAddress;

  const assoc = await h.ec2.send(new AssociateAddressCommand({ AllocationId: alloc.AllocationId, InstanceId: id }));
  expect(assoc.AssociationId).toMatch(/^eipassoc-/);
  expect((await instance(h, id)).PublicIpAddress).toBe(alloc.PublicIp);
  const [address] = (await h.ec2.send(new DescribeAddressesCommand({ AllocationIds: [alloc.AllocationId!] }))).Addresses!;
  expect(address).toMatchObject({ InstanceId: id, AssociationId: assoc.AssociationId, PublicIp: alloc.PublicIp, Domain: 'vpc' });

  // Disassociating gives the instance a fresh auto-assigned address, never the released one back at once.
  await h.ec2.send(new DisassociateAddressCommand({ AssociationId: assoc.AssociationId }));
  const fresh = (await instance(h, id)).PublicIpAddress;
  expect(fresh).toMatch(/^127\.0\.3\.\d+$/);
  expect(fresh).not.toBe(auto);

  await h.ec2.send(new AssociateAddressCommand({ AllocationId: alloc.AllocationId, InstanceId: id }));
  await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  await waitForState(h, id, 'terminated');
  const after = (await h.ec2.send(new DescribeAddressesCommand({ AllocationIds: [alloc.AllocationId!] }))).Addresses![0]!;
  expect(after.InstanceId).toBeUndefined();
  expect(after.AssociationId).toBeUndefined();
  expect((await instance(h, id)).PublicIpAddress).toBeUndefined();
});

test('AllowReassociation false keeps an address on its holder (Resource.AlreadyAssociated); true or unset moves it', async () => {
  const alloc = await h.ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: slotTags }));
  const a = await launchRunning(h);
  const b = await launchRunning(h);
  await h.ec2.send(new AssociateAddressCommand({ AllocationId: alloc.AllocationId, InstanceId: a }));
  await expect(h.ec2.send(new AssociateAddressCommand({ AllocationId: alloc.AllocationId, InstanceId: b, AllowReassociation: false }))).rejects.toMatchObject({
    name: 'Resource.AlreadyAssociated',
    $metadata: { httpStatusCode: 400 },
  });
  expect((await instance(h, a)).PublicIpAddress).toBe(alloc.PublicIp);

  await h.ec2.send(new AssociateAddressCommand({ AllocationId: alloc.AllocationId, InstanceId: b, AllowReassociation: true }));
  expect((await instance(h, b)).PublicIpAddress).toBe(alloc.PublicIp);
  // The old holder falls back to an auto-assigned address.
  expect((await instance(h, a)).PublicIpAddress).toMatch(/^127\.0\.3\.\d+$/);
  // Unset, reassociation is automatic (the API reference: "Reassociation is automatic").
  await h.ec2.send(new AssociateAddressCommand({ AllocationId: alloc.AllocationId, InstanceId: a }));
  expect((await instance(h, a)).PublicIpAddress).toBe(alloc.PublicIp);
  // An instance given a second elastic IP lets go of its first, which stays allocated.
  const other = await h.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
  await h.ec2.send(new AssociateAddressCommand({ AllocationId: other.AllocationId, InstanceId: a, AllowReassociation: false }));
  expect((await instance(h, a)).PublicIpAddress).toBe(other.PublicIp);
  expect((await h.ec2.send(new DescribeAddressesCommand({ AllocationIds: [alloc.AllocationId!] }))).Addresses![0]!.InstanceId).toBeUndefined();
});

test('AssociateAddress refuses a pending instance and an unknown allocation; StopInstances a pending one', async () => {
  const alloc = await h.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
  const run = await h.ec2.send(new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateName: 'shelfstack-web' }, MinCount: 1, MaxCount: 1 }));
  await expect(h.ec2.send(new AssociateAddressCommand({ AllocationId: alloc.AllocationId, InstanceId: run.Instances![0]!.InstanceId }))).rejects.toMatchObject({
    name: 'InvalidInstanceID',
  });
  await expect(h.ec2.send(new AssociateAddressCommand({ AllocationId: 'eipalloc-0123456789abcdef0', InstanceId: run.Instances![0]!.InstanceId }))).rejects.toMatchObject({
    name: 'InvalidAllocationID.NotFound',
  });
  await expect(h.ec2.send(new StopInstancesCommand({ InstanceIds: [run.Instances![0]!.InstanceId!] }))).rejects.toMatchObject({
    name: 'IncorrectInstanceState',
    message: expect.stringContaining("has never reached the 'running' state"),
  });
});

test('DescribeAddresses filters by tag, instance-id and domain', async () => {
  const www1 = await h.ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: slotTags }));
  await h.ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'shelfstack:cluster', Value: 'other' }] }] }));
  const id = await launchRunning(h);
  await h.ec2.send(new AssociateAddressCommand({ AllocationId: www1.AllocationId, InstanceId: id }));
  const ids = async (Filters: { Name: string; Values: string[] }[]) =>
    (await h.ec2.send(new DescribeAddressesCommand({ Filters }))).Addresses!.map((a) => a.AllocationId);
  expect(await ids([{ Name: 'tag:shelfstack:cluster', Values: ['test'] }])).toEqual([www1.AllocationId]);
  expect(await ids([{ Name: 'instance-id', Values: [id] }])).toEqual([www1.AllocationId]);
  expect(await ids([{ Name: 'domain', Values: ['vpc'] }])).toHaveLength(2);
  await expect(ids([{ Name: 'no-such-filter', Values: ['x'] }])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
});
