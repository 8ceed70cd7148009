import fc from 'fast-check';
import { isEipPlanEmpty, planEip } from '../../../core/eip-plan';
import { clusterOf, hasRole, healthOf, isGone, TAG } from '../../../core/fleet';
import { planServerSlots, SERVER_SLOTS } from '../../../core/server-slots';
import { addressesArb, CLUSTER, fleetArb, NOW } from '../../support/fleet';
import { World } from '../../support/fleet-world';

const GRACE = 300;
const SLOTS = { cluster: CLUSTER, healthGraceSeconds: GRACE, slots: SERVER_SLOTS };
const worldArb = fleetArb.chain((fleet) => fc.tuple(fc.constant(fleet), addressesArb(fleet)));

describe('the FTP and cache slots, over random fleets', () => {
  it('launch at most one server a slot, and none while the slot has a healthy, starting or briefly impaired one', () => {
    fc.assert(
      fc.property(fleetArb, (fleet) => {
        const { launches } = planServerSlots(fleet, SLOTS, NOW);
        for (const slot of SERVER_SLOTS) {
          const mine = launches.filter((l) => l.slot === slot);
          expect(mine.length).toBeLessThanOrEqual(1);
          const live = fleet.filter((i) => clusterOf(i) === CLUSTER && hasRole(i, slot) && !isGone(i) && healthOf(i, NOW, GRACE) !== 'lost');
          if (live.length) expect(mine).toEqual([]);
          else expect(mine.map((l) => l.tags)).toEqual([{ [TAG.cluster]: CLUSTER, [TAG.role]: slot, [TAG.slot]: slot }]);
        }
      }),
    );
  });

  it('converge with the web slots: after applying eip\'s plan the next one is empty, and a duplicate run launches nothing more', () => {
    fc.assert(
      fc.property(worldArb, ([fleet, addresses]) => {
        const s = { cluster: CLUSTER, healthGraceSeconds: GRACE, serverSlots: SERVER_SLOTS };
        const w = new World(fleet, addresses, undefined, NOW);
        const plan = planEip(w.instances, w.addresses, s, NOW);
        w.applyEip(plan);
        const count = w.instances.length;
        // The same stale observation again (a duplicate event): the ClientTokens launch nothing twice.
        w.applyEip(plan);
        expect(w.instances.length).toBe(count);
        expect(isEipPlanEmpty(planEip(w.instances, w.addresses, s, NOW))).toBe(true);
      }),
    );
  });

  it('stop only a slot-tagged server failing its checks past the grace, and only beside a healthy one of its role', () => {
    fc.assert(
      fc.property(fleetArb, (fleet) => {
        for (const stop of planServerSlots(fleet, SLOTS, NOW).stops) {
          const i = fleet.find((x) => x.id === stop.instanceId)!;
          expect([i.state, healthOf(i, NOW, GRACE), i.tags[TAG.slot], hasRole(i, stop.slot as 'ftp' | 'cache')]).toEqual(['running', 'lost', stop.slot, true]);
          const others = fleet.filter((x) => clusterOf(x) === CLUSTER && hasRole(x, stop.slot as 'ftp' | 'cache') && healthOf(x, NOW, GRACE) === 'healthy');
          expect(others.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('fill only the slots asked for (their launch template configured)', () => {
    fc.assert(
      fc.property(fleetArb, fc.subarray([...SERVER_SLOTS]), (fleet, slots) => {
        const { launches } = planServerSlots(fleet, { ...SLOTS, slots }, NOW);
        for (const l of launches) expect(slots).toContain(l.slot);
        expect(planServerSlots(fleet, { ...SLOTS, slots: [] }, NOW).launches).toEqual([]);
      }),
    );
  });
});
