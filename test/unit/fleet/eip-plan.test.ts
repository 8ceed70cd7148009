import { planEip, replacementToken } from '../../../core/eip-plan';
import { TAG } from '../../../core/fleet';
import { address, CLUSTER, instance, NOW } from '../../support/fleet';

const S = { cluster: CLUSTER, healthGraceSeconds: 300 };
const slotted = (id: string, slot: string, over: Parameters<typeof instance>[1] = {}) =>
  instance(id, { ...over, tags: { [TAG.slot]: slot, ...over.tags } });

describe('planEip', () => {
  it('leaves an address with the healthy instance of its slot alone', () => {
    const plan = planEip([slotted('i-1', 'www1')], [address('eipalloc-1', '198.51.100.1', 'www1', { instanceId: 'i-1' })], S, NOW);
    expect(plan).toEqual({ launches: [], associations: [], stops: [], waiting: [], servers: [] });
  });

  it('launches a replacement for a terminated holder, tagged and with a token from slot and lost instance', () => {
    const plan = planEip([slotted('i-dead', 'www1', { state: 'terminated' })], [address('eipalloc-1', '198.51.100.1', 'www1')], S, NOW);
    expect(plan.launches).toEqual([
      {
        clientToken: 'eip-main-www1-i-dead',
        tags: { [TAG.cluster]: CLUSTER, [TAG.role]: 'web', [TAG.slot]: 'www1' },
        reason: expect.stringContaining('i-dead'),
      },
    ]);
  });

  it('waits while the replacement is starting, then moves the address to it once healthy', () => {
    const lost = slotted('i-old', 'www1', { state: 'stopped' });
    const eip = address('eipalloc-1', '198.51.100.1', 'www1', { instanceId: 'i-old' });
    const starting = slotted('i-new', 'www1', { state: 'pending', checks: undefined, launchTime: NOW });
    expect(planEip([lost, starting], [eip], S, NOW)).toMatchObject({ launches: [], associations: [] });
    const healthy = { ...starting, state: 'running' as const, checks: { instance: 'ok' as const, system: 'ok' as const } };
    expect(planEip([lost, healthy], [eip], S, NOW).associations).toEqual([
      { allocationId: 'eipalloc-1', publicIp: '198.51.100.1', instanceId: 'i-new', allowReassociation: true, from: 'i-old' },
    ]);
  });

  it('waits out the grace period of a failing holder, and replaces it after', () => {
    const failing = (ago: number) =>
      slotted('i-1', 'www1', { checks: { instance: 'impaired', system: 'ok', impairedSince: new Date(NOW.getTime() - ago * 1000) } });
    const eip = address('eipalloc-1', '198.51.100.1', 'www1', { instanceId: 'i-1' });
    expect(planEip([failing(100)], [eip], S, NOW).launches).toEqual([]);
    expect(planEip([failing(400)], [eip], S, NOW).launches.map((l) => l.clientToken)).toEqual(['eip-main-www1-i-1']);
  });

  it('stops the server a replacement took over from for failing its checks, once the replacement holds the address', () => {
    const failing = slotted('i-1', 'www1', { checks: { instance: 'impaired', system: 'ok', impairedSince: new Date(NOW.getTime() - 400_000) } });
    const replacement = slotted('i-2', 'www1', { clientToken: 'eip-main-www1-i-1', launchTime: NOW });
    const moving = planEip([failing, replacement], [address('eipalloc-1', '198.51.100.1', 'www1', { instanceId: 'i-1' })], S, NOW);
    // In one plan: the stop is applied after the association is made and verified.
    expect(moving.associations.map((a) => a.instanceId)).toEqual(['i-2']);
    expect(moving.stops.map((x) => x.instanceId)).toEqual(['i-1']);
    const moved = planEip([failing, replacement], [address('eipalloc-1', '198.51.100.1', 'www1', { instanceId: 'i-2' })], S, NOW);
    expect(moved.stops).toEqual([{ instanceId: 'i-1', slot: 'www1', reason: expect.stringContaining('i-2') }]);
    // Its checks passing again does not bring it back: the replacement's ClientToken names it.
    const recovered = planEip([{ ...failing, checks: { instance: 'ok', system: 'ok' } }, replacement], [address('eipalloc-1', '198.51.100.1', 'www1', { instanceId: 'i-2' })], S, NOW);
    expect(recovered.stops.map((x) => x.instanceId)).toEqual(['i-1']);
  });

  it('never stops a replaced server that still holds another address of the cluster (a second address of its slot)', () => {
    // Found by the planners' property: the slot's second address stays with the server it names.
    const replaced = slotted('i-1', 'www1');
    const replacement = slotted('i-2', 'www1', { clientToken: 'eip-main-www1-i-1', launchTime: NOW });
    const first = address('eipalloc-0', '198.51.100.1', 'www1');
    const second = address('eipalloc-1', '198.51.100.2', 'www1', { instanceId: 'i-1' });
    const plan = planEip([replaced, replacement], [first, second], S, NOW);
    expect(plan.associations.map((a) => a.instanceId)).toEqual(['i-2']);
    expect(plan.stops).toEqual([]);
  });

  it('leaves a healthy spare of the slot running when nothing says it was replaced', () => {
    const spare = slotted('i-3', 'www1');
    const plan = planEip([slotted('i-2', 'www1'), spare], [address('eipalloc-1', '198.51.100.1', 'www1', { instanceId: 'i-2' })], S, NOW);
    expect(plan.stops).toEqual([]);
  });

  it('associates an unattached address without allowing reassociation', () => {
    const plan = planEip([slotted('i-1', 'www1')], [address('eipalloc-1', '198.51.100.1', 'www1')], S, NOW);
    expect(plan.associations).toEqual([{ allocationId: 'eipalloc-1', publicIp: '198.51.100.1', instanceId: 'i-1', allowReassociation: false, from: undefined }]);
  });

  it('never touches an address of another cluster or one held outside the cluster', () => {
    const foreignEip = address('eipalloc-9', '198.51.100.9', 'www1', { tags: { [TAG.cluster]: 'other' } });
    const heldOutside = address('eipalloc-2', '198.51.100.2', 'www2', { instanceId: 'i-someone-else' });
    const plan = planEip([slotted('i-1', 'www1'), slotted('i-2', 'www2')], [foreignEip, heldOutside], S, NOW);
    expect(plan.associations).toEqual([]);
    expect(plan.launches).toEqual([]);
  });

  it('derives a token within 64 characters, and an hourly one when no instance is left to name', () => {
    expect(replacementToken('a-very-long-cluster-name', 'www-primary-slot-one', 'i-0123456789abcdef0', NOW).length).toBeLessThanOrEqual(64);
    expect(replacementToken(CLUSTER, 'www1', undefined, NOW)).toBe('eip-main-www1-none2026112412');
  });
});
