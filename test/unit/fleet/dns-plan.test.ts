import { planDns } from '../../../core/dns-plan';
import { TAG } from '../../../core/fleet';
import { address, CLUSTER, instance, NOW } from '../../support/fleet';

const S = { cluster: CLUSTER, record: 'www.shelfstack.example.', ttl: 300, healthGraceSeconds: 300 };
const web = (id: string, ip: string, tags: Record<string, string> = {}) => instance(id, { publicIp: ip, tags });

describe('planDns', () => {
  it('upserts the healthy web servers sorted numerically, with the configured TTL', () => {
    const plan = planDns([web('i-2', '203.0.113.10'), web('i-1', '203.0.113.9')], [], undefined, S, NOW);
    expect(plan.upsert).toEqual({ name: S.record, ttl: 300, values: ['203.0.113.9', '203.0.113.10'] });
  });

  it('changes nothing when the record already holds the desired values, in any order', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.10', '203.0.113.9'] };
    const plan = planDns([web('i-1', '203.0.113.9'), web('i-2', '203.0.113.10')], [], current, S, NOW);
    expect(plan.upsert).toBeUndefined();
  });

  it('upserts when only the TTL differs', () => {
    const current = { name: S.record, ttl: 60, values: ['203.0.113.9'] };
    expect(planDns([web('i-1', '203.0.113.9')], [], current, S, NOW).upsert?.ttl).toBe(300);
  });

  it('leaves the record as it is and flags it when no web server is healthy', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.9'] };
    const plan = planDns([instance('i-1', { publicIp: '203.0.113.9', state: 'stopped' })], [], current, S, NOW);
    expect(plan.upsert).toBeUndefined();
    expect(plan.noHealthyWeb).toBe(true);
  });

  it('takes a draining server out and stamps it with the time it left DNS', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.9', '203.0.113.10'] };
    const plan = planDns([web('i-1', '203.0.113.9'), web('i-2', '203.0.113.10', { [TAG.lifecycle]: 'draining' })], [], current, S, NOW);
    expect(plan.upsert?.values).toEqual(['203.0.113.9']);
    expect(plan.markDrained).toEqual([{ instanceId: 'i-2', at: NOW.toISOString() }]);
  });

  it('re-stamps a draining server that leaves DNS now despite an older stamp, so it is not terminated early', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.9', '203.0.113.10'] };
    const stale = { [TAG.lifecycle]: 'draining', [TAG.drainedAt]: '2026-11-01T00:00:00.000Z' };
    const plan = planDns([web('i-1', '203.0.113.9'), web('i-2', '203.0.113.10', stale)], [], current, S, NOW);
    expect(plan.upsert?.values).toEqual(['203.0.113.9']);
    expect(plan.markDrained).toEqual([{ instanceId: 'i-2', at: NOW.toISOString() }]);
  });

  it('stamps any draining instance whose address leaves the record, whatever its role tags say', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.9', '203.0.113.10'] };
    const untagged = instance('i-2', { publicIp: '203.0.113.10', tags: { [TAG.lifecycle]: 'draining', [TAG.surge]: 'newsletter', [TAG.drainedAt]: '2026-11-01T00:00:00.000Z' } });
    delete untagged.tags[TAG.role];
    const plan = planDns([web('i-1', '203.0.113.9'), untagged], [], current, S, NOW);
    expect(plan.markDrained).toEqual([{ instanceId: 'i-2', at: NOW.toISOString() }]);
  });

  it('does not stamp a draining server whose address the record still holds', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.10'] };
    const plan = planDns([web('i-2', '203.0.113.10', { [TAG.lifecycle]: 'draining' })], [], current, S, NOW);
    expect(plan.noHealthyWeb).toBe(true);
    expect(plan.markDrained).toEqual([]);
  });

  it('ignores web servers of other clusters', () => {
    const plan = planDns([web('i-1', '203.0.113.9'), web('i-x', '198.51.100.7', { [TAG.cluster]: 'other' })], [], undefined, S, NOW);
    expect(plan.upsert?.values).toEqual(['203.0.113.9']);
  });
});

describe('planDns, slots and their elastic IPs', () => {
  it("publishes a slot's server by its slot's elastic IP, and not its own address while it does not hold the IP", () => {
    const holder = web('i-1', '198.51.100.1', { [TAG.slot]: 'www1' });
    const replacement = web('i-2', '203.0.113.50', { [TAG.slot]: 'www2' });
    const surge = web('i-3', '203.0.113.60', { [TAG.surge]: 'newsletter' });
    const eips = [address('eipalloc-1', '198.51.100.1', 'www1', { instanceId: 'i-1' }), address('eipalloc-2', '198.51.100.2', 'www2')];
    expect(planDns([holder, replacement, surge], eips, undefined, S, NOW).desired).toEqual(['198.51.100.1', '203.0.113.60']);
    const moved = [eips[0]!, address('eipalloc-2', '198.51.100.2', 'www2', { instanceId: 'i-2' })];
    expect(planDns([holder, { ...replacement, publicIp: '198.51.100.2' }, surge], moved, undefined, S, NOW).desired).toEqual(['198.51.100.1', '198.51.100.2', '203.0.113.60']);
  });

  it("ignores an elastic IP of another slot or cluster held by a slot's server", () => {
    const server = web('i-1', '198.51.100.9', { [TAG.slot]: 'www1' });
    const wrongSlot = address('eipalloc-1', '198.51.100.9', 'www2', { instanceId: 'i-1' });
    const otherCluster = address('eipalloc-2', '198.51.100.8', 'www1', { instanceId: 'i-1', tags: { [TAG.cluster]: 'other' } });
    expect(planDns([server], [wrongSlot, otherCluster], undefined, S, NOW).desired).toEqual([]);
  });
});

describe('planDns, drained stamps', () => {
  it('removes the stamp of a server that stopped draining, so a second drain is timed from its second exit', () => {
    const stamped = { [TAG.drainedAt]: '2026-11-24T10:00:00.000Z' };
    const current = { name: S.record, ttl: 300, values: ['203.0.113.9'] };
    const undrained = planDns([web('i-1', '203.0.113.9'), web('i-2', '203.0.113.10', stamped)], [], current, S, NOW);
    expect(undrained.clearDrained).toEqual(['i-2']);
    const stillDraining = planDns([web('i-1', '203.0.113.9'), web('i-2', '203.0.113.10', { ...stamped, [TAG.lifecycle]: 'draining' })], [], current, S, NOW);
    expect(stillDraining.clearDrained).toEqual([]);
  });
});
