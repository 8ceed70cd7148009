import { planDns } from '../../../core/dns-plan';
import { TAG } from '../../../core/fleet';
import { CLUSTER, instance, NOW } from '../../support/fleet';

const S = { cluster: CLUSTER, record: 'www.shelfstack.example.', ttl: 300, healthGraceSeconds: 300 };
const web = (id: string, ip: string, tags: Record<string, string> = {}) => instance(id, { publicIp: ip, tags });

describe('planDns', () => {
  it('upserts the healthy web servers sorted numerically, with the configured TTL', () => {
    const plan = planDns([web('i-2', '203.0.113.10'), web('i-1', '203.0.113.9')], undefined, S, NOW);
    expect(plan.upsert).toEqual({ name: S.record, ttl: 300, values: ['203.0.113.9', '203.0.113.10'] });
  });

  it('changes nothing when the record already holds the desired values, in any order', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.10', '203.0.113.9'] };
    const plan = planDns([web('i-1', '203.0.113.9'), web('i-2', '203.0.113.10')], current, S, NOW);
    expect(plan.upsert).toBeUndefined();
  });

  it('upserts when only the TTL differs', () => {
    const current = { name: S.record, ttl: 60, values: ['203.0.113.9'] };
    expect(planDns([web('i-1', '203.0.113.9')], current, S, NOW).upsert?.ttl).toBe(300);
  });

  it('leaves the record as it is and flags it when no web server is healthy', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.9'] };
    const plan = planDns([instance('i-1', { publicIp: '203.0.113.9', state: 'stopped' })], current, S, NOW);
    expect(plan.upsert).toBeUndefined();
    expect(plan.noHealthyWeb).toBe(true);
  });

  it('takes a draining server out and stamps it with the time it left DNS', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.9', '203.0.113.10'] };
    const plan = planDns([web('i-1', '203.0.113.9'), web('i-2', '203.0.113.10', { [TAG.lifecycle]: 'draining' })], current, S, NOW);
    expect(plan.upsert?.values).toEqual(['203.0.113.9']);
    expect(plan.markDrained).toEqual([{ instanceId: 'i-2', at: NOW.toISOString() }]);
  });

  it('re-stamps a draining server that leaves DNS now despite an older stamp, so it is not terminated early', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.9', '203.0.113.10'] };
    const stale = { [TAG.lifecycle]: 'draining', [TAG.drainedAt]: '2026-11-01T00:00:00.000Z' };
    const plan = planDns([web('i-1', '203.0.113.9'), web('i-2', '203.0.113.10', stale)], current, S, NOW);
    expect(plan.upsert?.values).toEqual(['203.0.113.9']);
    expect(plan.markDrained).toEqual([{ instanceId: 'i-2', at: NOW.toISOString() }]);
  });

  it('stamps any draining instance whose address leaves the record, whatever its role tags say', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.9', '203.0.113.10'] };
    const untagged = instance('i-2', { publicIp: '203.0.113.10', tags: { [TAG.lifecycle]: 'draining', [TAG.surge]: 'newsletter', [TAG.drainedAt]: '2026-11-01T00:00:00.000Z' } });
    delete untagged.tags[TAG.role];
    const plan = planDns([web('i-1', '203.0.113.9'), untagged], current, S, NOW);
    expect(plan.markDrained).toEqual([{ instanceId: 'i-2', at: NOW.toISOString() }]);
  });

  it('does not stamp a draining server whose address the record still holds', () => {
    const current = { name: S.record, ttl: 300, values: ['203.0.113.10'] };
    const plan = planDns([web('i-2', '203.0.113.10', { [TAG.lifecycle]: 'draining' })], current, S, NOW);
    expect(plan.noHealthyWeb).toBe(true);
    expect(plan.markDrained).toEqual([]);
  });

  it('ignores web servers of other clusters', () => {
    const plan = planDns([web('i-1', '203.0.113.9'), web('i-x', '198.51.100.7', { [TAG.cluster]: 'other' })], undefined, S, NOW);
    expect(plan.upsert?.values).toEqual(['203.0.113.9']);
  });
});

describe('planDns, drained stamps', () => {
  it('removes the stamp of a server that stopped draining, so a second drain is timed from its second exit', () => {
    const stamped = { [TAG.drainedAt]: '2026-11-24T10:00:00.000Z' };
    const current = { name: S.record, ttl: 300, values: ['203.0.113.9'] };
    const undrained = planDns([web('i-1', '203.0.113.9'), web('i-2', '203.0.113.10', stamped)], current, S, NOW);
    expect(undrained.clearDrained).toEqual(['i-2']);
    const stillDraining = planDns([web('i-1', '203.0.113.9'), web('i-2', '203.0.113.10', { ...stamped, [TAG.lifecycle]: 'draining' })], current, S, NOW);
    expect(stillDraining.clearDrained).toEqual([]);
  });
});
