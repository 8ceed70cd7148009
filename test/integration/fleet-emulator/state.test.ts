import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AllocateAddressCommand, AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { startFleetEmulator } from '../../../cli/local/fleet-emulator';
import { FAST, instance, launchRunning, startHarness, until, webTemplate, type Harness } from './harness';

// The fleet lives in <dir>/state.json: a restarted emulator has the same instances, addresses and
// records, and a transition that was under way when it stopped completes from its timestamp.
let h: Harness;
afterEach(() => h.close());

test('a restart keeps instances, elastic IPs, launch templates and records', async () => {
  h = await startHarness();
  await webTemplate(h.ec2);
  const id = await launchRunning(h, { 'shelfstack:slot': 'www1' });
  const alloc = await h.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
  await h.ec2.send(new AssociateAddressCommand({ AllocationId: alloc.AllocationId, InstanceId: id }));
  const zone = await h.r53.send(new CreateHostedZoneCommand({ Name: 'shelfstack.local', CallerReference: 'restart' }));
  await h.r53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zone.HostedZone!.Id,
      ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'www.shelfstack.local', Type: 'A', TTL: 300, ResourceRecords: [{ Value: alloc.PublicIp }] } }] },
    }),
  );

  const saved = JSON.parse(await readFile(join(h.dir, 'state.json'), 'utf8')) as { instances: { id: string }[] };
  expect(saved.instances.map((i) => i.id)).toEqual([id]);
  // Written through a temp file and a rename: nothing else is left beside it.
  expect(await readdir(h.dir)).toEqual(['state.json']);

  await h.restart();
  expect(await instance(h, id)).toMatchObject({ State: { Name: 'running' }, PublicIpAddress: alloc.PublicIp });
  expect((await h.ec2.send(new DescribeAddressesCommand({}))).Addresses!.map((a) => a.InstanceId)).toEqual([id]);
  const rr = await h.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.HostedZone!.Id, StartRecordName: 'www.shelfstack.local', StartRecordType: 'A', MaxItems: 1 }));
  expect(rr.ResourceRecordSets![0]!.ResourceRecords).toEqual([{ Value: alloc.PublicIp }]);
  // The template survived too: a new launch from it works.
  await launchRunning(h);
});

test('an instance pending when the emulator stopped is running after the restart, with its running event', async () => {
  h = await startHarness({ timings: { ...FAST, pendingMs: 600 } });
  await webTemplate(h.ec2);
  const run = await h.ec2.send(new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateName: 'shelfstack-web' }, MinCount: 1, MaxCount: 1 }));
  const id = run.Instances![0]!.InstanceId!;
  await h.emu.close();
  await new Promise((r) => setTimeout(r, 700));
  await h.restart();
  await until(async () => (h.events.some((e) => e.detail['instance-id'] === id && e.detail.state === 'running') ? true : undefined), 3000, 'running event');
  const listed = await h.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  expect(listed.Reservations![0]!.Instances![0]!.State!.Name).toBe('running');
});

test('an unreadable state file stops the start with its path, and is left as it was', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-emu-bad-'));
  try {
    await writeFile(join(dir, 'state.json'), '{"version": 1, "instances": [');
    await expect(startFleetEmulator({ dir })).rejects.toMatchObject({ name: 'FleetStateError', message: expect.stringContaining(join(dir, 'state.json')) });
    expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe('{"version": 1, "instances": [');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // afterEach closes a harness; this test needs none of its own.
  h = await startHarness();
});
