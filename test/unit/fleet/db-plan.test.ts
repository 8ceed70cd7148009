import { dbReplacementToken, planDb } from '../../../core/db-plan';
import { TAG, transitionTime, type Volume } from '../../../core/fleet';
import { CLUSTER, instance, NOW } from '../../support/fleet';

const S = { cluster: CLUSTER, healthGraceSeconds: 300, device: '/dev/sdf', subnets: [{ id: 'subnet-0bbbb1111', availabilityZone: 'eu-west-1b' }, { id: 'subnet-0aaaa1111', availabilityZone: 'eu-west-1a' }] };
const dbTags = { [TAG.role]: 'db,repl', [TAG.slot]: 'db' };
const dbServer = (id: string, over: Parameters<typeof instance>[1] = {}) => instance(id, { availabilityZone: 'eu-west-1a', ...over, tags: { ...dbTags, ...over.tags } });
const volume = (over: Partial<Volume> = {}): Volume => ({
  id: 'vol-0db',
  state: 'available',
  availabilityZone: 'eu-west-1a',
  attachments: [],
  tags: { [TAG.cluster]: CLUSTER, [TAG.slot]: 'db' },
  ...over,
});
const heldBy = (id: string, state: Volume['attachments'][number]['state'] = 'attached') => volume({ state: 'in-use', attachments: [{ instanceId: id, device: '/dev/sdf', state }] });
const impaired = { instance: 'impaired' as const, system: 'ok' as const, impairedSince: new Date(NOW.getTime() - 400_000) };

describe('planDb', () => {
  it('leaves the volume with a healthy holder of the slot', () => {
    expect(planDb([dbServer('i-1')], [heldBy('i-1')], S, NOW)).toEqual({ volume: heldBy('i-1'), holder: 'i-1', waiting: [] });
  });

  it('fills an empty slot: launches in the volume AZ subnet with the db tags, and an hourly token', () => {
    const plan = planDb([], [volume()], S, NOW);
    expect(plan.launch).toEqual({
      clientToken: 'db-main-none2026112412',
      tags: { [TAG.cluster]: CLUSTER, [TAG.role]: 'db,repl', [TAG.slot]: 'db' },
      availabilityZone: 'eu-west-1a',
      subnetId: 'subnet-0aaaa1111',
      reason: 'the slot has no instance',
    });
  });

  it('replaces a holder failing its checks past the grace: launch and a clean stop, the volume stays put', () => {
    const plan = planDb([dbServer('i-old', { checks: impaired })], [heldBy('i-old')], S, NOW);
    expect(plan.launch?.clientToken).toBe(dbReplacementToken(CLUSTER, 'i-old', NOW));
    expect(plan.launch?.clientToken).toBe('db-main-i-old');
    expect(plan.stop).toEqual({ instanceId: 'i-old', force: false, reason: expect.any(String) });
    expect(plan.detach).toBeUndefined();
    expect(plan.attach).toBeUndefined();
  });

  it('launches again, with a new token, when the replacement died before it got the volume', () => {
    const holder = dbServer('i-old', { state: 'stopped', launchTime: new Date('2026-11-01T00:00:00Z') });
    const dead = dbServer('i-new', { state: 'terminated', clientToken: 'db-main-i-old', launchTime: new Date('2026-11-24T11:50:00Z') });
    expect(planDb([holder], [heldBy('i-old')], S, NOW).launch?.clientToken).toBe('db-main-i-old');
    expect(planDb([holder, dead], [heldBy('i-old')], S, NOW).launch?.clientToken).toBe('db-main-i-new');
  });

  it('waits out the grace period of a failing holder', () => {
    const briefly = { ...impaired, impairedSince: new Date(NOW.getTime() - 60_000) };
    const plan = planDb([dbServer('i-old', { checks: briefly })], [heldBy('i-old')], S, NOW);
    expect([plan.launch, plan.stop]).toEqual([undefined, undefined]);
    expect(plan.waiting).toEqual([expect.stringContaining('impaired')]);
  });

  it('detaches only from a stopped holder, and waits while it is stopping', () => {
    const replacement = dbServer('i-new', { launchTime: NOW });
    const stopping = planDb([dbServer('i-old', { state: 'stopping' }), replacement], [heldBy('i-old')], S, NOW);
    expect([stopping.detach, stopping.attach, stopping.launch]).toEqual([undefined, undefined, undefined]);
    const stopped = planDb([dbServer('i-old', { state: 'stopped' }), replacement], [heldBy('i-old')], S, NOW);
    expect(stopped.detach).toEqual({ volumeId: 'vol-0db', instanceId: 'i-old', reason: 'i-old is stopped' });
    expect(stopped.attach).toBeUndefined();
  });

  it('forces off a holder hung in stopping past the grace, and only then', () => {
    const stopping = (ago: number) => dbServer('i-old', { state: 'stopping', stateSince: new Date(NOW.getTime() - ago * 1000) });
    expect(planDb([stopping(60), dbServer('i-new')], [heldBy('i-old')], S, NOW).stop).toBeUndefined();
    expect(planDb([stopping(400), dbServer('i-new')], [heldBy('i-old')], S, NOW).stop).toEqual({ instanceId: 'i-old', force: true, reason: expect.stringContaining('stopping since') });
    expect(planDb([dbServer('i-old', { state: 'stopping' }), dbServer('i-new')], [heldBy('i-old')], S, NOW).stop).toBeUndefined();
  });

  it('attaches an available volume to the running replacement, at the device, not to a pending one', () => {
    const lost = dbServer('i-old', { state: 'terminated' });
    const pending = planDb([lost, dbServer('i-new', { state: 'pending', checks: undefined })], [volume()], S, NOW);
    expect([pending.attach, pending.launch, pending.waiting]).toEqual([undefined, undefined, ['i-new is pending']]);
    const plan = planDb([lost, dbServer('i-new', { checks: { instance: 'initializing', system: 'initializing' } })], [volume()], S, NOW);
    expect(plan.attach).toEqual({ volumeId: 'vol-0db', instanceId: 'i-new', device: '/dev/sdf' });
  });

  it('waits while the volume of a terminated holder is still detaching', () => {
    const plan = planDb([dbServer('i-old', { state: 'shutting-down' }), dbServer('i-new')], [heldBy('i-old', 'detaching')], S, NOW);
    expect([plan.attach, plan.detach, plan.launch]).toEqual([undefined, undefined, undefined]);
  });

  it('never uses a replacement in another AZ than the volume', () => {
    const plan = planDb([dbServer('i-old', { state: 'terminated' }), dbServer('i-elsewhere', { availabilityZone: 'eu-west-1b' })], [volume()], S, NOW);
    expect(plan.attach).toBeUndefined();
    expect(plan.launch?.availabilityZone).toBe('eu-west-1a');
  });

  it('leaves alone a volume held outside the cluster or the slot, several db volumes, and reports a missing one', () => {
    const waitingOnly = (p: ReturnType<typeof planDb>) => [p.launch, p.stop, p.detach, p.attach, p.waiting.join()];
    expect(waitingOnly(planDb([], [heldBy('i-foreign')], S, NOW))).toEqual([undefined, undefined, undefined, undefined, expect.stringContaining('not in the cluster')]);
    const web = instance('i-web');
    expect(waitingOnly(planDb([web], [heldBy('i-web')], S, NOW))).toEqual([undefined, undefined, undefined, undefined, expect.stringContaining('not of the db slot')]);
    expect(waitingOnly(planDb([], [volume(), volume({ id: 'vol-0two' })], S, NOW))).toEqual([undefined, undefined, undefined, undefined, expect.stringContaining('several')]);
    expect(planDb([], [volume({ tags: { [TAG.cluster]: 'other', [TAG.slot]: 'db' } })], S, NOW)).toEqual({ waiting: ['no volume tagged for the db slot'] });
  });

  it('refuses to launch when no configured subnet is in the volume AZ, and launches by AZ alone with none configured', () => {
    const none = planDb([], [volume({ availabilityZone: 'eu-west-1c' })], S, NOW);
    expect(none.launch).toBeUndefined();
    expect(none.waiting).toEqual([expect.stringContaining('eu-west-1c')]);
    expect(planDb([], [volume()], { ...S, subnets: [] }, NOW).launch).toMatchObject({ availabilityZone: 'eu-west-1a', subnetId: undefined });
  });
});

describe('transitionTime', () => {
  it("reads the time of EC2's StateTransitionReason, and nothing from free text", () => {
    expect(transitionTime('User initiated (2026-11-24 11:52:07 GMT)')).toEqual(new Date('2026-11-24T11:52:07Z'));
    expect(transitionTime('Server.InternalError: Internal error on launch')).toBeUndefined();
    expect(transitionTime(undefined)).toBeUndefined();
  });
});
