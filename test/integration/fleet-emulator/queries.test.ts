import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand, DescribeInstanceStatusCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { instance, launchRunning, startHarness, waitForState, webTemplate, type Harness } from './harness';

// DescribeInstances and friends: filters, tags and MaxResults/NextToken as the API reference has them.
let h: Harness;
let ids: string[];
beforeAll(async () => {
  h = await startHarness();
  await webTemplate(h.ec2);
  ids = [];
  for (let k = 1; k <= 7; k++) ids.push(await launchRunning(h, { 'shelfstack:slot': `www${k}`, ...(k % 2 ? { odd: 'yes' } : {}) }));
});
afterAll(() => h.close());

const idsOf = (res: { Reservations?: { Instances?: { InstanceId?: string }[] }[] }) => res.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!));
const find = async (Filters: { Name: string; Values: string[] }[]) => idsOf(await h.ec2.send(new DescribeInstancesCommand({ Filters })));

test('tag:K, tag-key, instance-id, availability-zone and wildcards filter; filters AND, values OR', async () => {
  expect(await find([{ Name: 'tag:shelfstack:slot', Values: ['www2', 'www3'] }])).toEqual([ids[1], ids[2]]);
  expect(await find([{ Name: 'tag-key', Values: ['odd'] }])).toEqual([ids[0], ids[2], ids[4], ids[6]]);
  expect(await find([{ Name: 'tag:shelfstack:slot', Values: ['www*'] }, { Name: 'tag-key', Values: ['odd'] }])).toHaveLength(4);
  expect(await find([{ Name: 'tag:shelfstack:slot', Values: ['www?'] }])).toHaveLength(7);
  expect(await find([{ Name: 'instance-id', Values: [ids[3]!, 'i-0000000000000000f'] }])).toEqual([ids[3]]);
  expect(await find([{ Name: 'availability-zone', Values: ['us-east-1a'] }])).toHaveLength(7);
  expect(await find([{ Name: 'tag:shelfstack:slot', Values: ['WWW1'] }])).toEqual([]);
  await expect(find([{ Name: 'bogus', Values: ['x'] }])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
});

test('MaxResults pages with NextToken; out of 5–1000 or beside InstanceIds it is refused', async () => {
  const first = await h.ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
  expect(idsOf(first)).toHaveLength(5);
  expect(first.NextToken).toBeTruthy();
  const second = await h.ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: first.NextToken }));
  expect(idsOf(second)).toHaveLength(2);
  expect(second.NextToken).toBeUndefined();
  expect([...idsOf(first), ...idsOf(second)].sort()).toEqual([...ids].sort());
  await expect(h.ec2.send(new DescribeInstancesCommand({ MaxResults: 4 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  await expect(h.ec2.send(new DescribeInstancesCommand({ MaxResults: 1001 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  await expect(h.ec2.send(new DescribeInstancesCommand({ MaxResults: 5, InstanceIds: [ids[0]!] }))).rejects.toMatchObject({
    name: 'InvalidParameterCombination',
  });
  await expect(h.ec2.send(new DescribeInstancesCommand({ NextToken: 'garbage' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
});

test('an unknown or malformed instance id fails the whole call', async () => {
  await expect(h.ec2.send(new DescribeInstancesCommand({ InstanceIds: [ids[0]!, 'i-0000000000000000f'] }))).rejects.toMatchObject({
    name: 'InvalidInstanceID.NotFound',
    message: "The instance ID 'i-0000000000000000f' does not exist",
  });
  await expect(h.ec2.send(new DescribeInstancesCommand({ InstanceIds: ['web1'] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.Malformed' });
});

test('DescribeInstanceStatus shows instances that are not running only with IncludeAllInstances, and pages', async () => {
  await h.ec2.send(new StopInstancesCommand({ InstanceIds: [ids[6]!] }));
  await waitForState(h, ids[6]!, 'stopped');
  const running = await h.ec2.send(new DescribeInstanceStatusCommand({}));
  expect(running.InstanceStatuses!.map((s) => s.InstanceId).sort()).toEqual(ids.slice(0, 6).sort());
  const all = await h.ec2.send(new DescribeInstanceStatusCommand({ IncludeAllInstances: true }));
  expect(all.InstanceStatuses!.find((s) => s.InstanceId === ids[6])).toMatchObject({ InstanceState: { Name: 'stopped' }, InstanceStatus: { Status: 'not-applicable' } });
  const page = await h.ec2.send(new DescribeInstanceStatusCommand({ MaxResults: 5 }));
  expect(page.InstanceStatuses).toHaveLength(5);
  const rest = await h.ec2.send(new DescribeInstanceStatusCommand({ MaxResults: 5, NextToken: page.NextToken }));
  expect(rest.InstanceStatuses).toHaveLength(1);
  const stopped = await h.ec2.send(new DescribeInstanceStatusCommand({ IncludeAllInstances: true, Filters: [{ Name: 'instance-state-name', Values: ['stopped'] }] }));
  expect(stopped.InstanceStatuses!.map((s) => s.InstanceId)).toEqual([ids[6]]);
  // And a stopped instance loses its auto-assigned public address.
  expect((await instance(h, ids[6]!)).PublicIpAddress).toBeUndefined();
});

test('DeleteTags: a key deletes it, a key and value only on a match, no tags at all deletes every tag', async () => {
  const id = ids[5]!;
  await h.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '' }] }));
  const tags = async () => Object.fromEntries((await instance(h, id)).Tags!.map((t) => [t.Key, t.Value]));
  await h.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'a', Value: 'other' }, { Key: 'b' }] }));
  expect(await tags()).toMatchObject({ a: '1', c: '' });
  expect(await tags()).not.toHaveProperty('b');
  await h.ec2.send(new DeleteTagsCommand({ Resources: [id] }));
  expect((await instance(h, id)).Tags ?? []).toEqual([]);
  await expect(h.ec2.send(new CreateTagsCommand({ Resources: ['i-0000000000000000f'], Tags: [{ Key: 'a', Value: '1' }] }))).rejects.toMatchObject({
    name: 'InvalidInstanceID.NotFound',
  });
});
