import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTagsCommand, RunInstancesCommand, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { FAST, launchRunning, startHarness, until, waitForState, webTemplate, type Harness } from './harness';

// The state changes an instance goes through reach subscribers as EventBridge delivers them.
let h: Harness;
beforeEach(async () => {
  h = await startHarness({ region: 'eu-west-1' });
  await webTemplate(h.ec2);
});
afterEach(() => h.close());

const sample = (name: string) => JSON.parse(readFileSync(join(__dirname, '../../../events', name), 'utf8')) as Record<string, unknown>;

function shapeOf(e: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, Array.isArray(v) ? 'array' : typeof v]));
}

const statesOf = (h: Harness, id: string) => h.events.filter((e) => e.detail['instance-id'] === id).map((e) => e.detail.state);

test('launch, stop, start and terminate raise "EC2 Instance State-change Notification" in the samples\' exact shape', async () => {
  const id = await launchRunning(h);
  await h.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  await waitForState(h, id, 'stopped');
  await h.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
  await waitForState(h, id, 'running');
  await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  await waitForState(h, id, 'terminated');
  await until(async () => (statesOf(h, id).includes('terminated') ? true : undefined));

  expect(statesOf(h, id)).toEqual(['pending', 'running', 'stopping', 'stopped', 'pending', 'running', 'shutting-down', 'terminated']);
  for (const state of ['running', 'stopped', 'terminated']) {
    const expected = sample(`ec2-state-change-${state}.json`);
    const got = h.events.find((e) => e.detail.state === state && e.detail['instance-id'] === id)!;
    expect(shapeOf(got as unknown as Record<string, unknown>)).toEqual(shapeOf(expected));
    expect(Object.keys(got.detail).sort()).toEqual(Object.keys(expected.detail as object).sort());
    expect(got).toMatchObject({
      version: '0',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      region: 'eu-west-1',
      resources: [`arn:aws:ec2:eu-west-1:${got.account}:instance/${id}`],
    });
    expect(got.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  }
});

test('a tag change on an instance raises "Tag Change on Resource" with the changed keys and all tags', async () => {
  const id = await launchRunning(h);
  await h.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'shelfstack:lifecycle', Value: 'draining' }] }));
  const e = h.events.find((x) => x['detail-type'] === 'Tag Change on Resource')!;
  const expected = sample('tag-change-lifecycle-draining.json');
  expect(shapeOf(e as unknown as Record<string, unknown>)).toEqual(shapeOf(expected));
  expect(e.source).toBe('aws.tag');
  expect(e.detail).toMatchObject({
    'changed-tag-keys': ['shelfstack:lifecycle'],
    service: 'ec2',
    'resource-type': 'instance',
    tags: { 'shelfstack:cluster': 'test', 'shelfstack:role': 'web', 'shelfstack:lifecycle': 'draining' },
  });
  // Setting a tag to the value it has changes nothing and raises nothing.
  await h.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'shelfstack:lifecycle', Value: 'draining' }] }));
  expect(h.events.filter((x) => x['detail-type'] === 'Tag Change on Resource')).toHaveLength(1);
});

test('StateTransitionReason dates the stop as EC2 does; Force ends a stopping instance at once', async () => {
  await h.close();
  h = await startHarness({ region: 'eu-west-1', timings: { ...FAST, stoppingMs: 60_000 } });
  await webTemplate(h.ec2);
  const id = await launchRunning(h);
  const asked = Math.floor(Date.now() / 1000) * 1000;
  await h.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  const stopping = await waitForState(h, id, 'stopping');
  const m = /^User initiated \((\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) GMT\)$/.exec(stopping.StateTransitionReason ?? '');
  expect(m).not.toBeNull();
  expect(new Date(`${m![1]}T${m![2]}Z`).getTime()).toBeGreaterThanOrEqual(asked);
  // Stopping again waits; with Force it is stopped now.
  await h.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  expect((await waitForState(h, id, 'stopping')).StateTransitionReason).toBe(stopping.StateTransitionReason);
  const forced = await h.ec2.send(new StopInstancesCommand({ InstanceIds: [id], Force: true }));
  expect(forced.StoppingInstances![0]).toMatchObject({ CurrentState: { Name: 'stopped' }, PreviousState: { Name: 'stopping' } });
  expect((await waitForState(h, id, 'stopped')).StateReason?.Code).toBe('Client.UserInitiatedShutdown');
});

test('stopping a terminated instance is IncorrectInstanceState; terminating it again changes nothing', async () => {
  const id = await launchRunning(h);
  await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  await waitForState(h, id, 'terminated');
  await expect(h.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }))).rejects.toMatchObject({ name: 'IncorrectInstanceState' });
  const again = await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  expect(again.TerminatingInstances![0]).toMatchObject({ CurrentState: { Name: 'terminated', Code: 48 }, PreviousState: { Name: 'terminated', Code: 48 } });
  expect(statesOf(h, id).filter((s) => s === 'terminated')).toHaveLength(1);
});

test('a listener that throws is logged and breaks neither the call nor the clock', async () => {
  await h.close();
  const lines: Record<string, unknown>[] = [];
  h = await startHarness({ log: (l) => lines.push(l) });
  await webTemplate(h.ec2);
  h.emu.events.on('event', () => {
    throw new Error('listener bug');
  });
  const run = await h.ec2.send(new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateName: 'shelfstack-web' }, MinCount: 1, MaxCount: 1 }));
  const id = run.Instances![0]!.InstanceId!;
  await waitForState(h, id, 'running');
  await until(async () => (statesOf(h, id).includes('running') ? true : undefined));
  expect(lines.filter((l) => l.event === 'fleet_event_listener_failed').length).toBeGreaterThanOrEqual(2);
  expect(statesOf(h, id)).toEqual(['pending', 'running']);
});
