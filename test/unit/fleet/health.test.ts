import { healthOf, inServiceWeb, rolesOf, TAG } from '../../../core/fleet';
import { address, instance, NOW } from '../../support/fleet';

const GRACE = 300;
const ago = (s: number) => new Date(NOW.getTime() - s * 1000);

describe('instance health', () => {
  it('is healthy when running with both status checks ok', () => {
    expect(healthOf(instance('i-1'), NOW, GRACE)).toBe('healthy');
  });

  it('is starting while pending or while the checks are initializing or have no data', () => {
    expect(healthOf(instance('i-1', { state: 'pending', checks: undefined }), NOW, GRACE)).toBe('starting');
    expect(healthOf(instance('i-1', { checks: { instance: 'initializing', system: 'ok' } }), NOW, GRACE)).toBe('starting');
    expect(healthOf(instance('i-1', { checks: undefined }), NOW, GRACE)).toBe('starting');
  });

  it('is impaired inside the grace period and lost after it', () => {
    const failing = (since: Date) => instance('i-1', { checks: { instance: 'ok', system: 'impaired', impairedSince: since } });
    expect(healthOf(failing(ago(GRACE - 1)), NOW, GRACE)).toBe('impaired');
    expect(healthOf(failing(ago(GRACE + 1)), NOW, GRACE)).toBe('lost');
  });

  it('is lost when stopped, stopping or gone', () => {
    for (const state of ['stopped', 'stopping', 'terminated', 'shutting-down'] as const) {
      expect(healthOf(instance('i-1', { state }), NOW, GRACE)).toBe('lost');
    }
  });

  it('is impaired when the HTTP probe says no, and the probe is ignored when it did not run', () => {
    expect(healthOf(instance('i-1', { probeOk: false }), NOW, GRACE)).toBe('impaired');
    expect(healthOf(instance('i-1', { probeOk: undefined }), NOW, GRACE)).toBe('healthy');
  });

  it('reads comma-separated roles and ignores unknown ones', () => {
    expect(rolesOf(instance('i-1', { tags: { [TAG.role]: 'db, repl,bogus' } }))).toEqual(['db', 'repl']);
  });

  it('keeps draining, non-web and address-less instances out of service', () => {
    const fleet = [
      instance('i-in', { publicIp: '203.0.113.1' }),
      instance('i-draining', { publicIp: '203.0.113.2', tags: { [TAG.lifecycle]: 'draining' } }),
      instance('i-db', { publicIp: '203.0.113.3', tags: { [TAG.role]: 'db' } }),
      instance('i-private'),
    ];
    expect(inServiceWeb(fleet, [], NOW, GRACE).map((w) => w.instance.id)).toEqual(['i-in']);
  });

  it("serves a slot's server at its slot's elastic IP, and not at all while it does not hold it", () => {
    const held = instance('i-held', { publicIp: '198.51.100.1', tags: { [TAG.slot]: 'www1' } });
    const replacement = instance('i-new', { publicIp: '203.0.113.50', tags: { [TAG.slot]: 'www2' } });
    const surge = instance('i-surge', { publicIp: '203.0.113.60', tags: { [TAG.surge]: 'newsletter' } });
    const eips = [address('eipalloc-1', '198.51.100.1', 'www1', { instanceId: 'i-held' }), address('eipalloc-2', '198.51.100.2', 'www2', { instanceId: 'i-old' })];
    expect(inServiceWeb([held, replacement, surge], eips, NOW, GRACE).map((w) => [w.instance.id, w.ip])).toEqual([
      ['i-held', '198.51.100.1'],
      ['i-surge', '203.0.113.60'],
    ]);
  });
});
