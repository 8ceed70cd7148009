import fc from 'fast-check';
import { isDbPlanEmpty, planDb } from '../../../core/db-plan';
import { healthOf, slotOf, TAG, type Instance, type Volume } from '../../../core/fleet';
import { CLUSTER, NOW } from '../../support/fleet';
import { World } from '../../support/fleet-world';

const GRACE = 300;
const S = { cluster: CLUSTER, healthGraceSeconds: GRACE, device: '/dev/sdf', subnets: [{ id: 'subnet-0aaaa1111', availabilityZone: 'eu-west-1a' }] };
const dbTags = { [TAG.cluster]: CLUSTER, [TAG.role]: 'db,repl', [TAG.slot]: 'db' };

/** A db slot as it may be found: 0–3 instances (some in another AZ or cluster) and the volume, attached to one of them or not. */
const startArb = fc
  .array(
    fc.record({
      state: fc.constantFrom('pending', 'running', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'),
      az: fc.constantFrom('eu-west-1a', 'eu-west-1a', 'eu-west-1b'),
      cluster: fc.constantFrom(CLUSTER, CLUSTER, CLUSTER, 'other'),
      checksOk: fc.boolean(),
      impairedAgo: fc.integer({ min: 0, max: 900 }),
    }),
    { maxLength: 3 },
  )
  .chain((specs) => {
    const instances = specs.map(
      (s, k): Instance => ({
        id: `i-0db${k}`,
        state: s.state as Instance['state'],
        launchTime: new Date(NOW.getTime() - (k + 1) * 3600_000),
        availabilityZone: s.az,
        // EC2 dates each user-initiated transition in StateTransitionReason.
        stateSince: new Date(NOW.getTime() - s.impairedAgo * 1000),
        privateIp: `10.0.1.${k + 10}`,
        tags: { ...dbTags, [TAG.cluster]: s.cluster },
        checks:
          s.state === 'running'
            ? s.checksOk
              ? { instance: 'ok', system: 'ok' }
              : { instance: 'impaired', system: 'ok', impairedSince: new Date(NOW.getTime() - s.impairedAgo * 1000) }
            : undefined,
      }),
    );
    // EC2 attaches a volume only to an instance in its AZ; one held outside the cluster is left alone by design (db-plan.test.ts).
    const holders = instances.filter((i) => i.tags[TAG.cluster] === CLUSTER && i.availabilityZone === 'eu-west-1a' && i.state !== 'terminated' && i.state !== 'pending');
    return fc.tuple(fc.constant(instances), fc.option(fc.constantFrom(...(holders.length ? holders : [undefined])), { nil: undefined }));
  })
  .map(([instances, holder]): [Instance[], Volume] => [
    instances,
    {
      id: 'vol-0db',
      state: holder ? 'in-use' : 'available',
      availabilityZone: 'eu-west-1a',
      attachments: holder ? [{ instanceId: holder.id, device: '/dev/sdf', state: 'attached' }] : [],
      tags: { [TAG.cluster]: CLUSTER, [TAG.slot]: 'db' },
    },
  ]);

type Step = { kind: 'db' | 'settle' } | { kind: 'tick'; seconds: number } | { kind: 'fail'; at: number; how: 'terminate' | 'stop' | 'impair' | 'start' | 'hang' };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom('db' as const, 'db' as const, 'settle' as const) }),
  fc.record({ kind: fc.constant('tick' as const), seconds: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('fail' as const), at: fc.nat(), how: fc.constantFrom('terminate' as const, 'stop' as const, 'impair' as const, 'start' as const, 'hang' as const) }),
);
// Events arrive duplicated: each run observes the world again, so a repeated 'db' is a duplicate event.
const historyArb = fc
  .tuple(fc.array(stepArb, { maxLength: 40 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 8 }))
  .map(([steps, dups]) => {
    const out = [...steps];
    if (out.length) dups.forEach(([from, to]) => out.splice(to % (out.length + 1), 0, out[from % out.length]!));
    return out;
  });

const liveAttachments = (v: Volume) => v.attachments.filter((a) => a.state !== 'detached');

function runDb(w: World): ReturnType<typeof planDb> {
  const plan = planDb(w.instances, w.volumes, S, w.now);
  if (plan.stop) expect(healthOf(w.get(plan.stop.instanceId), w.now, GRACE)).not.toBe('healthy');
  if (plan.stop?.force) expect(w.get(plan.stop.instanceId).state).toBe('stopping');
  if (plan.detach) expect(w.get(plan.detach.instanceId).state).toBe('stopped');
  w.applyDb(plan); // throws on what AWS would refuse: an attach to a volume in use, a detach from a running instance
  expect(liveAttachments(w.volume('vol-0db')).length).toBeLessThanOrEqual(1);
  for (const i of w.instances) if (i.tags[TAG.cluster] !== CLUSTER) expect(i.clientToken).toBeUndefined();
  return plan;
}

describe('the db reconciler, over random histories', () => {
  it('never attaches twice, never detaches from a running instance, never stops a healthy one, forces off only a hung one, and converges to one healthy holder', () => {
    fc.assert(
      fc.property(startArb, historyArb, ([instances, volume], history) => {
        const w = new World(instances, [], undefined, NOW, [volume]);
        for (const step of history) {
          const mine = w.instances.filter((i) => i.tags[TAG.cluster] === CLUSTER && i.state !== 'terminated');
          const target = step.kind === 'fail' && mine.length ? mine[step.at % mine.length] : undefined;
          if (step.kind === 'db') runDb(w);
          else if (step.kind === 'settle') w.settle();
          else if (step.kind === 'tick') w.now = new Date(w.now.getTime() + step.seconds * 1000);
          else if (step.kind !== 'fail' || !target) continue;
          else if (step.how === 'terminate') target.state = 'shutting-down';
          else if (step.how === 'stop' && target.state === 'running') Object.assign(target, { state: 'stopping', stateSince: w.now, checks: undefined });
          else if (step.how === 'impair' && target.state === 'running') target.checks = { instance: 'impaired', system: 'ok', impairedSince: w.now };
          else if (step.how === 'hang') w.hung.add(target.id);
          else if (step.how === 'start' && target.state === 'stopped') target.state = 'pending';
        }
        // Failures stop: within a few rounds of runs, ticks and settling, the slot is whole again.
        for (let round = 0; round < 8; round++) {
          runDb(w);
          w.settle();
          w.now = new Date(w.now.getTime() + 400_000);
        }
        const v = w.volume('vol-0db');
        const [attachment] = liveAttachments(v);
        expect(attachment?.state).toBe('attached');
        const holder = w.get(attachment!.instanceId);
        expect([slotOf(holder), holder.tags[TAG.cluster], healthOf(holder, w.now, GRACE)]).toEqual(['db', CLUSTER, 'healthy']);
        expect(isDbPlanEmpty(planDb(w.instances, w.volumes, S, w.now))).toBe(true);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 1000) },
    );
  });
});
