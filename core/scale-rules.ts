import { z } from 'zod';

/**
 * Newsletter rules (SHELFSTACK_SCALE_RULES, a JSON list): a name, when to scale out and by how
 * many web servers, when to drain them, and an optional IANA time zone for both schedules.
 * serverless/functions/scale-schedules.js turns each rule into two schedules.
 */
const scheduleExpression = z.string().regex(/^(cron|rate|at)\(.+\)$/, 'must be an EventBridge Scheduler expression such as cron(0 7 ? * TUE *)');
const ruleSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,23}$/, 'must be up to 24 lowercase letters, digits and dashes'),
  out: scheduleExpression,
  count: z.number().int().min(1).max(20),
  drain: scheduleExpression,
  timezone: z.string().regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone such as Europe/London').optional(),
});
export type ScaleRule = z.infer<typeof ruleSchema>;

export function parseScaleRules(raw: string): ScaleRule[] {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('must be a JSON list of {name, out, count, drain, timezone?}');
  }
  const parsed = z.array(ruleSchema).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid rule at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const names = parsed.data.map((r) => r.name);
  const dup = names.find((n, k) => names.indexOf(n) !== k);
  if (dup) throw new Error(`rule ${JSON.stringify(dup)} is defined twice`);
  return parsed.data;
}
