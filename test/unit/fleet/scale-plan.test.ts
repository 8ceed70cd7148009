import { TAG } from '../../../core/fleet';
import { planScale, surgeToken } from '../../../core/scale-plan';
import { parseScaleInput, parseScaleRules } from '../../../core/scale-rules';
import { CLUSTER, instance, NOW } from '../../support/fleet';

const S = { cluster: CLUSTER, ttl: 300, drainGraceSeconds: 120 };
const surge = (id: string, tags: Record<string, string> = {}, ip = '203.0.113.50') => instance(id, { publicIp: ip, tags: { [TAG.surge]: 'newsletter', ...tags } });
const drainedAgo = (s: number) => ({ [TAG.lifecycle]: 'draining', [TAG.drainedAt]: new Date(NOW.getTime() - s * 1000).toISOString() });

describe('planScale', () => {
  it('launches the rule count once per rule and date, skipping tokens already launched', () => {
    const action = { action: 'scale-out' as const, rule: 'newsletter', count: 3, date: '2026-11-24' };
    const first = planScale([], [], action, S, NOW);
    expect(first.launches.map((l) => l.clientToken)).toEqual([1, 2, 3].map((k) => surgeToken(CLUSTER, 'newsletter', '2026-11-24', k)));
    expect(first.launches[0]!.tags).toEqual({ [TAG.cluster]: CLUSTER, [TAG.role]: 'web', [TAG.surge]: 'newsletter' });
    const launched = instance('i-s1', { clientToken: first.launches[0]!.clientToken, tags: { [TAG.surge]: 'newsletter' } });
    expect(planScale([launched], [], action, S, NOW).launches).toHaveLength(2);
  });

  it('drains the surge servers of the rule only', () => {
    const plan = planScale(
      [surge('i-s1'), surge('i-s2', { [TAG.surge]: 'other-rule' }), instance('i-web'), surge('i-s3', { [TAG.lifecycle]: 'draining' })],
      [],
      { action: 'drain', rule: 'newsletter' },
      S,
      NOW,
    );
    expect(plan.drain).toEqual(['i-s1']);
  });

  it('terminates a drained surge server only after TTL + grace out of DNS', () => {
    const plan = planScale([surge('i-old', drainedAgo(421)), surge('i-young', drainedAgo(419), '203.0.113.51')], [], { action: 'terminate' }, S, NOW);
    expect(plan.terminate).toEqual(['i-old']);
    expect(plan.waiting).toEqual([{ instanceId: 'i-young', notBefore: new Date(NOW.getTime() + 1000).toISOString() }]);
  });

  it('never terminates a server the record still holds, one not drained, or one of another cluster', () => {
    const plan = planScale(
      [surge('i-in-dns', drainedAgo(9999)), surge('i-not-stamped', { [TAG.lifecycle]: 'draining' }, '203.0.113.52'), surge('i-foreign', { ...drainedAgo(9999), [TAG.cluster]: 'other' }, '203.0.113.53'), instance('i-web', { tags: drainedAgo(9999) })],
      ['203.0.113.50'],
      { action: 'terminate' },
      S,
      NOW,
    );
    expect(plan.terminate).toEqual([]);
  });
});

describe('scale rules and inputs', () => {
  const rules = parseScaleRules('[{"name":"newsletter","out":"cron(0 6 ? * TUE *)","count":3,"drain":"cron(0 12 ? * TUE *)","timezone":"Europe/London"}]');

  it('parses a rule list and rejects a malformed one with the place at fault', () => {
    expect(rules[0]).toMatchObject({ name: 'newsletter', count: 3, timezone: 'Europe/London' });
    expect(() => parseScaleRules('[{"name":"x","out":"at 6","count":1,"drain":"cron(0 1 * * ? *)"}]')).toThrow(/rule "x" out: at 6: must be cron/);
    expect(() => parseScaleRules('not json')).toThrow(/JSON list/);
  });

  it('turns a schedule input into an action dated by the schedule, not by the clock', () => {
    expect(parseScaleInput({ action: 'scale-out', rule: 'newsletter', scheduledTime: '2026-11-24T06:00:00Z' }, rules, new Date('2026-11-25T01:00:00Z'))).toEqual({
      action: 'scale-out',
      rule: 'newsletter',
      count: 3,
      date: '2026-11-24',
    });
  });

  it('rejects an unknown rule or action', () => {
    expect(() => parseScaleInput({ action: 'scale-out', rule: 'nope' }, rules, NOW)).toThrow(/unknown scale rule/);
    expect(() => parseScaleInput({ action: 'explode' }, rules, NOW)).toThrow(/action/);
  });
});
