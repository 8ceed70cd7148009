import fc from 'fast-check';
import { ROLES, TAG, type Address, type CheckStatus, type Instance, type InstanceState } from '../../core/fleet';

export const CLUSTER = 'main';
export const NOW = new Date('2026-11-24T12:00:00Z');

/** A healthy running web instance of the cluster unless told otherwise. */
export function instance(id: string, over: Partial<Instance> & { tags?: Record<string, string> } = {}): Instance {
  const { tags, ...rest } = over;
  return {
    id,
    state: 'running',
    launchTime: new Date('2026-11-01T00:00:00Z'),
    checks: { instance: 'ok', system: 'ok' },
    ...rest,
    tags: { [TAG.cluster]: CLUSTER, [TAG.role]: 'web', ...tags },
  };
}

export function address(allocationId: string, publicIp: string, slot: string, over: Partial<Address> = {}): Address {
  return { allocationId, publicIp, ...over, tags: { [TAG.cluster]: CLUSTER, [TAG.slot]: slot, ...over.tags } };
}

const STATES: InstanceState[] = ['pending', 'running', 'running', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped'];
const CHECKS: CheckStatus[] = ['ok', 'ok', 'ok', 'impaired', 'initializing', 'insufficient-data'];
export const SLOTS = ['www1', 'www2', 'www3'];

/** Random instances of this cluster, of another one, and untagged ones; ids and IPs unique. */
export const fleetArb: fc.Arbitrary<Instance[]> = fc
  .array(
    fc.record({
      cluster: fc.constantFrom(CLUSTER, CLUSTER, CLUSTER, 'other', undefined),
      state: fc.constantFrom(...STATES),
      roles: fc.subarray([...ROLES]),
      slot: fc.option(fc.constantFrom(...SLOTS), { nil: undefined }),
      draining: fc.boolean(),
      drainedAgo: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
      surge: fc.option(fc.constant('newsletter'), { nil: undefined }),
      hasPublicIp: fc.boolean(),
      instanceCheck: fc.constantFrom(...CHECKS),
      systemCheck: fc.constantFrom(...CHECKS),
      impairedAgo: fc.integer({ min: 0, max: 1200 }),
      launchedAgo: fc.integer({ min: 0, max: 100000 }),
      probeOk: fc.constantFrom(undefined, undefined, true, false),
    }),
    { maxLength: 12 },
  )
  .map((specs) =>
    specs.map((s, k): Instance => {
      const tags: Record<string, string> = {};
      if (s.cluster) tags[TAG.cluster] = s.cluster;
      if (s.roles.length) tags[TAG.role] = s.roles.join(',');
      if (s.slot) tags[TAG.slot] = s.slot;
      if (s.draining) tags[TAG.lifecycle] = 'draining';
      if (s.drainedAgo !== undefined) tags[TAG.drainedAt] = new Date(NOW.getTime() - s.drainedAgo * 1000).toISOString();
      if (s.surge) tags[TAG.surge] = s.surge;
      const impaired = s.instanceCheck === 'impaired' || s.systemCheck === 'impaired';
      return {
        id: `i-0${String(k).padStart(16, '0')}`,
        state: s.state,
        launchTime: new Date(NOW.getTime() - s.launchedAgo * 1000),
        privateIp: `10.0.0.${k + 1}`,
        publicIp: s.hasPublicIp ? `203.0.113.${k + 1}` : undefined,
        tags,
        checks: s.state === 'running' ? { instance: s.instanceCheck, system: s.systemCheck, impairedSince: impaired ? new Date(NOW.getTime() - s.impairedAgo * 1000) : undefined } : undefined,
        probeOk: s.state === 'running' ? s.probeOk : undefined,
      };
    }),
  );

/** Random elastic IPs over a fleet: of this cluster or another, with or without a slot and a holder. */
export function addressesArb(fleet: Instance[]): fc.Arbitrary<Address[]> {
  const holders = [undefined, 'i-0foreign000000000', ...fleet.map((i) => i.id)];
  return fc
    .array(
      fc.record({
        cluster: fc.constantFrom(CLUSTER, CLUSTER, 'other'),
        slot: fc.option(fc.constantFrom(...SLOTS), { nil: undefined }),
        holder: fc.constantFrom(...holders),
      }),
      { maxLength: 4 },
    )
    .map((specs) =>
      specs.map((s, k): Address => {
        const tags: Record<string, string> = { [TAG.cluster]: s.cluster };
        if (s.slot) tags[TAG.slot] = s.slot;
        return { allocationId: `eipalloc-0${k}`, publicIp: `198.51.100.${k + 1}`, instanceId: s.holder, tags };
      }),
    );
}
