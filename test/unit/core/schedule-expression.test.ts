import fc from 'fast-check';
import { parseScaleRules } from '../../../core/scale-rules';
import { cronProblem, isTimeZone, rateProblem, scheduleProblem } from '../../../core/schedule-expression';

describe('EventBridge Scheduler expressions', () => {
  it.each([
    'cron(0 6 ? * TUE *)',
    'cron(0/15 8-17 ? * MON-FRI *)',
    'cron(30 23 L * ? *)',
    'cron(0 10 15W * ? 2027)',
    'cron(0 9 ? JAN,JUL 6#1 *)',
    'cron(0 0 1 */2 ? *)',
    'cron(5 4 ? * 6L 2026-2030)',
    'rate(1 minute)',
    'rate(1 hour)',
    'rate(2 hours)',
    'rate(7 days)',
    'at(2026-12-24T06:00:00)',
  ])('takes %s', (expression) => {
    expect(scheduleProblem(expression)).toBeUndefined();
  });

  it.each([
    ['cron(0 6 * * TUE *)', /exactly one of day-of-month \(\*\) and day-of-week \(TUE\) must be \?/],
    ['cron(0 6 ? * ? *)', /exactly one of day-of-month/],
    ['cron(0 6 ? * TUE)', /6 fields.*got 5/],
    ['cron(60 6 ? * TUE *)', /minutes "60" is out of range 0-59/],
    ['cron(0 24 ? * TUE *)', /hours "24" is out of range 0-23/],
    ['cron(0 6 32 * ? *)', /day-of-month "32" is out of range 1-31/],
    ['cron(0 6 ? 13 TUE *)', /month "13" is out of range 1-12 or JAN-DEC/],
    ['cron(0 6 ? * 8 *)', /day-of-week "8" is out of range 1-7 or SUN-SAT/],
    ['cron(0 6 ? * TUES *)', /day-of-week "TUES" is out of range/],
    ['cron(0 6 ? * TUE 1969)', /year "1969" is out of range 1970-2199/],
    ['cron(0/0 6 ? * TUE *)', /step that is not a positive integer/],
    ['cron(? 6 1 * ? *)', /minutes cannot be \?/],
    ['cron(0 6-- ? * TUE *)', /not a value, a range or a step/],
    ['rate(1 hours)', /rate\(1 hours\) must be rate\(1 hour\)/],
    ['rate(2 hour)', /rate\(2 hour\) must be rate\(2 hours\)/],
    ['rate(0 minutes)', /at least 1/],
    ['rate(5 seconds)', /must be minute\(s\), hour\(s\) or day\(s\)/],
    ['rate(one hour)', /rate\(N unit\)/],
    ['at(2026-02-30T06:00:00)', /not a date and time/],
    ['every tuesday', /must be cron\(…\), rate\(…\) or at\(…\)/],
  ])('refuses %s, saying what is wrong', (expression, problem) => {
    expect(scheduleProblem(expression)).toMatch(problem);
  });

  it('takes every well-formed rate and refuses the wrong number of its unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom('minute', 'hour', 'day'), (n, unit) => {
        const right = n === 1 ? unit : `${unit}s`;
        const wrong = n === 1 ? `${unit}s` : unit;
        expect(rateProblem(`${n} ${right}`)).toBeUndefined();
        expect(rateProblem(`${n} ${wrong}`)).toMatch(/must be rate/);
      }),
    );
  });

  it('takes any in-range cron with one day field ?, and refuses it once a field leaves its range', () => {
    const field = (min: number, max: number) => fc.integer({ min, max }).map(String);
    const cron = fc.tuple(field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(1, 7), field(1970, 2199), fc.boolean());
    fc.assert(
      fc.property(cron, fc.integer({ min: 0, max: 5 }), ([mi, h, dom, mo, dow, y, byWeek], broken) => {
        const fields = [mi, h, byWeek ? '?' : dom, mo, byWeek ? dow : '?', y];
        expect(cronProblem(fields.join(' '))).toBeUndefined();
        const out = [60, 24, 32, 13, 8, 2200][broken]!;
        const bad = fields.map((f, i) => (i === broken ? String(out) : f));
        if (bad[2] === bad[4] || (bad[2] !== '?' && bad[4] !== '?')) bad[broken === 2 ? 4 : 2] = '?';
        expect(cronProblem(bad.join(' '))).toMatch(/out of range|exactly one/);
      }),
    );
  });

  it('knows the IANA time zones Node knows, and nothing else', () => {
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Europe/Londn')).toBe(false);
    expect(isTimeZone('europe/london')).toBe(false);
  });
});

describe('newsletter rules', () => {
  const rule = (over: Record<string, unknown>) => JSON.stringify([{ name: 'tuesday', out: 'cron(0 6 ? * TUE *)', count: 2, drain: 'cron(0 12 ? * TUE *)', timezone: 'Europe/London', ...over }]);

  it('names the rule and what is wrong with it', () => {
    expect(() => parseScaleRules(rule({ timezone: 'Europe/Londn' }))).toThrow('invalid rule "tuesday" timezone: "Europe/Londn" is not an IANA time zone');
    expect(() => parseScaleRules(rule({ out: 'cron(0 6 * * TUE *)' }))).toThrow(/invalid rule "tuesday" out: cron\(0 6 \* \* TUE \*\): exactly one of/);
    expect(() => parseScaleRules(rule({ drain: 'rate(1 hours)' }))).toThrow('invalid rule "tuesday" drain: rate(1 hours): rate(1 hours) must be rate(1 hour)');
    expect(() => parseScaleRules(JSON.stringify([{ out: 'x' }]))).toThrow(/invalid rule #1 name/);
  });

  it('takes a good rule as it is', () => {
    expect(parseScaleRules(rule({}))).toEqual([{ name: 'tuesday', out: 'cron(0 6 ? * TUE *)', count: 2, drain: 'cron(0 12 ? * TUE *)', timezone: 'Europe/London' }]);
  });
});
