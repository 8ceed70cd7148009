/**
 * EventBridge Scheduler's schedule expressions, checked before deploy (Scheduler rejects a bad one
 * only when the stack is deployed): `cron(minutes hours day-of-month month day-of-week year)`,
 * `rate(N unit)` and `at(yyyy-mm-ddThh:mm:ss)`. Each check returns what is wrong, or undefined.
 */
interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS },
  { name: 'year', min: 1970, max: 2199 },
];
const DAY_OF_MONTH = 2;
const DAY_OF_WEEK = 4;

function value(field: CronField, text: string): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= field.min && n <= field.max ? n : undefined;
}

function checkItem(field: CronField, index: number, item: string): string | undefined {
  const bad = `${field.name} ${JSON.stringify(item)}`;
  const range = field.names ? `${field.min}-${field.max} or ${field.names[0]}-${field.names.at(-1)}` : `${field.min}-${field.max}`;
  if (index === DAY_OF_MONTH && /^(L|LW|\d{1,2}W)$/.test(item)) {
    return item.endsWith('W') && item !== 'LW' && value(field, item.slice(0, -1)) === undefined ? `${bad} is out of range ${range}` : undefined;
  }
  if (index === DAY_OF_WEEK && /^[^#L]+(#[1-5]|L)$/.test(item)) {
    return value(field, item.replace(/(#[1-5]|L)$/, '')) === undefined ? `${bad} is out of range ${range}` : undefined;
  }
  if (index === DAY_OF_WEEK && item === 'L') return undefined;
  const [base, step, ...more] = item.split('/');
  if (more.length || base === undefined || base === '') return `${bad} is not a value, a range or a step`;
  if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) return `${bad} has a step that is not a positive integer`;
  if (base === '*') return undefined;
  const ends = base.split('-');
  if (ends.length > 2 || ends.some((e) => e === '')) return `${bad} is not a value, a range or a step`;
  const nums = ends.map((e) => value(field, e));
  if (nums.some((n) => n === undefined)) return `${bad} is out of range ${range}`;
  return undefined;
}

export function cronProblem(body: string): string | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) return `cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  const dom = fields[DAY_OF_MONTH]!;
  const dow = fields[DAY_OF_WEEK]!;
  if ((dom === '?') === (dow === '?')) return `exactly one of day-of-month (${dom}) and day-of-week (${dow}) must be ?`;
  for (const [i, text] of fields.entries()) {
    if (text === '?') {
      if (i !== DAY_OF_MONTH && i !== DAY_OF_WEEK) return `${FIELDS[i]!.name} cannot be ?`;
      continue;
    }
    for (const item of text.split(',')) {
      const problem = checkItem(FIELDS[i]!, i, item);
      if (problem) return problem;
    }
  }
  return undefined;
}

const RATE_UNITS = ['minute', 'hour', 'day'];

export function rateProblem(body: string): string | undefined {
  const m = /^(\d+) ([a-z]+)$/.exec(body);
  if (!m) return 'rate must be "rate(N unit)" such as rate(1 hour) or rate(2 hours)';
  const n = Number(m[1]);
  const unit = m[2]!;
  if (n < 1) return 'rate must be at least 1';
  const singular = unit.replace(/s$/, '');
  if (!RATE_UNITS.includes(singular)) return `rate unit ${JSON.stringify(unit)} must be minute(s), hour(s) or day(s)`;
  const want = n === 1 ? singular : `${singular}s`;
  if (unit !== want) return `rate(${n} ${unit}) must be rate(${n} ${want})`;
  return undefined;
}

export function atProblem(body: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!m) return 'at must be at(yyyy-mm-ddThh:mm:ss)';
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return `at(${body}) is not a date and time`;
  return undefined;
}

/** What is wrong with an EventBridge Scheduler expression, or undefined when Scheduler takes it. */
export function scheduleProblem(expression: string): string | undefined {
  const m = /^(cron|rate|at)\((.*)\)$/.exec(expression);
  if (!m) return 'must be cron(…), rate(…) or at(…), such as cron(0 7 ? * TUE *)';
  if (m[1] === 'cron') return cronProblem(m[2]!);
  if (m[1] === 'rate') return rateProblem(m[2]!);
  return atProblem(m[2]!);
}

const TIME_ZONES = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);

/** An IANA time zone name that Node knows (Intl.supportedValuesOf), such as Europe/London. */
export function isTimeZone(name: string): boolean {
  return TIME_ZONES.has(name);
}
