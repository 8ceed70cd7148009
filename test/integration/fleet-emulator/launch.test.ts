import {
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeLaunchTemplatesCommand,
  DescribeSubnetsCommand,
  RunInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { FAST, launchRunning, startHarness, until, webTemplate, type Harness } from './harness';

// The local EC2's launches, through the real SDK client: templates, idempotency, the pending → running clock.
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

async function describe1(id: string): Promise<Instance> {
  const res = await h.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return res.Reservations![0]!.Instances![0]!;
}

test('an instance goes pending → running, and its status checks initializing → ok', async () => {
  // Checks slow enough that "initializing" is seen on a busy machine.
  await h.close();
  h = await startHarness({ timings: { ...FAST, checksMs: 1500 } });
  await webTemplate(h.ec2);
  const run = await h.ec2.send(new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateName: 'shelfstack-web' }, MinCount: 1, MaxCount: 1 }));
  const id = run.Instances![0]!.InstanceId!;
  expect(id).toMatch(/^i-[0-9a-f]{17}$/);
  expect(run.Instances![0]!.State).toEqual({ Code: 0, Name: 'pending' });

  // Not running yet: DescribeInstanceStatus leaves it out unless asked for every instance.
  expect((await h.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }))).InstanceStatuses).toEqual([]);
  const all = await h.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id], IncludeAllInstances: true }));
  expect(all.InstanceStatuses![0]!.InstanceState!.Name).toBe('pending');
  expect(all.InstanceStatuses![0]!.InstanceStatus!.Status).toBe('not-applicable');

  await until(async () => ((await describe1(id)).State!.Name === 'running' ? true : undefined), 3000, 'running');
  const early = await h.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
  expect(early.InstanceStatuses![0]!.InstanceStatus!.Status).toBe('initializing');
  const ok = await until(async () => {
    const s = (await h.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }))).InstanceStatuses![0]!;
    return s.InstanceStatus!.Status === 'ok' ? s : undefined;
  });
  expect(ok.SystemStatus!.Status).toBe('ok');
  expect(ok.InstanceStatus!.Details).toEqual([{ Name: 'reachability', Status: 'passed' }]);
});

test('the same ClientToken returns the first reservation; with other parameters it is IdempotentParameterMismatch', async () => {
  await webTemplate(h.ec2);
  const params = { LaunchTemplate: { LaunchTemplateName: 'shelfstack-web', Version: '$Default' }, MinCount: 1, MaxCount: 1, ClientToken: 'eip-test-www1-i-0abc' };
  const first = await h.ec2.send(new RunInstancesCommand(params));
  const again = await h.ec2.send(new RunInstancesCommand(params));
  expect(again.ReservationId).toBe(first.ReservationId);
  expect(again.Instances!.map((i) => i.InstanceId)).toEqual(first.Instances!.map((i) => i.InstanceId));
  expect(again.Instances![0]!.ClientToken).toBe('eip-test-www1-i-0abc');
  const listed = await h.ec2.send(new DescribeInstancesCommand({}));
  expect(listed.Reservations!.flatMap((r) => r.Instances!)).toHaveLength(1);

  await expect(h.ec2.send(new RunInstancesCommand({ ...params, MaxCount: 2 }))).rejects.toMatchObject({
    name: 'IdempotentParameterMismatch',
    $metadata: { httpStatusCode: 400 },
  });
});

test('a launch template by id or name, at $Default, $Latest or a number, with its tags and user data', async () => {
  const lt = await webTemplate(h.ec2);
  await h.ec2.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: lt.LaunchTemplateId,
      SourceVersion: '1',
      LaunchTemplateData: { InstanceType: 't4g.large' },
    }),
  );
  const typeOf = async (spec: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string }) =>
    (await h.ec2.send(new RunInstancesCommand({ LaunchTemplate: spec, MinCount: 1, MaxCount: 1 }))).Instances![0]!.InstanceType;
  expect(await typeOf({ LaunchTemplateId: lt.LaunchTemplateId })).toBe('t4g.small');
  expect(await typeOf({ LaunchTemplateName: 'shelfstack-web', Version: '$Default' })).toBe('t4g.small');
  expect(await typeOf({ LaunchTemplateName: 'shelfstack-web', Version: '$Latest' })).toBe('t4g.large');
  expect(await typeOf({ LaunchTemplateId: lt.LaunchTemplateId, Version: '2' })).toBe('t4g.large');
  const described = await h.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['shelfstack-web'] }));
  expect(described.LaunchTemplates![0]).toMatchObject({ DefaultVersionNumber: 1, LatestVersionNumber: 2, LaunchTemplateId: lt.LaunchTemplateId });

  // Template tags and the request's are merged; the request wins a key.
  const run = await h.ec2.send(
    new RunInstancesCommand({
      LaunchTemplate: { LaunchTemplateName: 'shelfstack-web' },
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'shelfstack:slot', Value: 'www1' }, { Key: 'shelfstack:role', Value: 'web,repl' }] }],
    }),
  );
  const tags = Object.fromEntries(run.Instances![0]!.Tags!.map((t) => [t.Key, t.Value]));
  expect(tags).toEqual({ 'shelfstack:cluster': 'test', 'shelfstack:role': 'web,repl', 'shelfstack:slot': 'www1' });
  const rec = h.emu.snapshot().instances.find((i) => i.id === run.Instances![0]!.InstanceId)!;
  expect(Buffer.from(rec.userData!, 'base64').toString()).toBe('#cloud-config\n');
});

test('unknown templates and versions fail with the names AWS gives them', async () => {
  const lt = await webTemplate(h.ec2);
  const run = (spec: object) => h.ec2.send(new RunInstancesCommand({ LaunchTemplate: spec, MinCount: 1, MaxCount: 1 }));
  await expect(run({ LaunchTemplateName: 'nope' })).rejects.toMatchObject({ name: 'InvalidLaunchTemplateName.NotFoundException' });
  await expect(run({ LaunchTemplateId: 'lt-0123456789abcdef0' })).rejects.toMatchObject({ name: 'InvalidLaunchTemplateId.NotFound' });
  await expect(run({ LaunchTemplateId: lt.LaunchTemplateId, Version: '7' })).rejects.toMatchObject({ name: 'InvalidLaunchTemplateId.VersionNotFound' });
  await expect(h.ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1 }))).rejects.toMatchObject({ name: 'MissingParameter' });
  await expect(webTemplate(h.ec2)).rejects.toMatchObject({ name: 'InvalidLaunchTemplateName.AlreadyExistsException' });
});

test('Placement.AvailabilityZone and SubnetId choose where it runs', async () => {
  await webTemplate(h.ec2);
  const subnets = (await h.ec2.send(new DescribeSubnetsCommand({}))).Subnets!;
  expect(subnets.map((s) => s.AvailabilityZone)).toEqual(['us-east-1a', 'us-east-1b']);
  const inB = await h.ec2.send(
    new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateName: 'shelfstack-web' }, MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: 'us-east-1b' } }),
  );
  expect(inB.Instances![0]!.Placement!.AvailabilityZone).toBe('us-east-1b');
  expect(inB.Instances![0]!.SubnetId).toBe(subnets[1]!.SubnetId);
  const bySubnet = await h.ec2.send(
    new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateName: 'shelfstack-web' }, MinCount: 1, MaxCount: 1, SubnetId: subnets[0]!.SubnetId }),
  );
  expect(bySubnet.Instances![0]!.Placement!.AvailabilityZone).toBe('us-east-1a');
  await expect(
    h.ec2.send(new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateName: 'shelfstack-web' }, MinCount: 1, MaxCount: 1, SubnetId: 'subnet-0000000000000000f' })),
  ).rejects.toMatchObject({ name: 'InvalidSubnetID.NotFound' });
  const filtered = await h.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }] }));
  expect(filtered.Subnets!.map((s) => s.SubnetId)).toEqual([subnets[1]!.SubnetId]);
});

test('an instance made to fail its check shows impaired with ImpairedSince, and ok again once it passes', async () => {
  await webTemplate(h.ec2);
  const id = await launchRunning(h);
  h.emu.setImpaired(id, true);
  const [s] = (await h.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }))).InstanceStatuses!;
  expect(s!.InstanceStatus!.Status).toBe('impaired');
  expect(s!.InstanceStatus!.Details![0]).toMatchObject({ Name: 'reachability', Status: 'failed', ImpairedSince: expect.any(Date) });
  expect(s!.SystemStatus!.Status).toBe('ok');
  h.emu.setImpaired(id, false);
  expect((await h.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }))).InstanceStatuses![0]!.InstanceStatus!.Status).toBe('ok');
});
