import { z } from 'zod';
import { ValidationError } from './errors';
import { isTimeZone, scheduleProblem } from './schedule-expression';
import type { ScaleAction } from './scale-plan';

/**
 * Newsletter rules (SHELFSTACK_SCALE_RULES, a JSON list): a name, when to scale out and by how
 * many web servers, when to drain them, and an optional IANA time zone for both schedules.
 * serverless/resources/scale-schedules.js turns each rule into two schedules, so both expressions
 * and the time zone are checked here as EventBridge Scheduler checks them (at package time too).
 */
const scheduleExpression = z.string().superRefine((expression, ctx) => {
  const problem = scheduleProblem(expression);
  if (problem) ctx.addIssue({ code: 'custom', message: `${expression}: ${problem}` });
});
const ruleSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,23}$/, 'must be up to 24 lowercase letters, digits and dashes'),
  out: scheduleExpression,
  count: z.number().int().min(1).max(20),
  drain: scheduleExpression,
  timezone: z
    .string()
    .superRefine((tz, ctx) => {
      if (!isTimeZone(tz)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(tz)} is not an IANA time zone Node knows, such as Europe/London` });
    })
    .optional(),
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
    const [index, field] = issue?.path ?? [];
    if (typeof index !== 'number') throw new Error(`must be a JSON list of rules: ${issue?.message}`);
    const name = (json as { name?: unknown }[])[index]?.name;
    const rule = typeof name === 'string' ? `rule ${JSON.stringify(name)}` : `rule #${index + 1}`;
    throw new Error(`invalid ${rule}${field === undefined ? '' : ` ${String(field)}`}: ${issue?.message}`);
  }
  const names = parsed.data.map((r) => r.name);
  const dup = names.find((n, k) => names.indexOf(n) !== k);
  if (dup) throw new Error(`rule ${JSON.stringify(dup)} is defined twice`);
  return parsed.data;
}

/**
 * The input of a scale schedule: `{"action": "scale-out" | "drain" | "terminate", "rule"?: NAME,
 * "scheduledTime"?: ISO 8601}`. The scale-out date comes from the schedule's own time, so a
 * retried invocation on a later day still counts as the day it was meant for.
 */
export const ScaleInputSchema = z.object({
  action: z.enum(['scale-out', 'drain', 'terminate']),
  rule: z.string().optional(),
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
});
export type ScaleInput = z.infer<typeof ScaleInputSchema>;

/** The action a parsed input asks for, with its rule resolved; an unknown or missing rule throws. */
export function scaleActionOf(input: ScaleInput, rules: readonly ScaleRule[], now: Date): ScaleAction {
  const { action, rule: name, scheduledTime } = input;
  if (action === 'terminate') return { action };
  const rule = name === undefined ? undefined : rules.find((r) => r.name === name);
  if (name !== undefined && !rule) throw new ValidationError(`unknown scale rule ${JSON.stringify(name)}`);
  if (action === 'drain') return { action, rule: name };
  if (!rule) throw new ValidationError('scale-out needs a rule');
  const date = (scheduledTime ? new Date(scheduledTime) : now).toISOString().slice(0, 10);
  return { action, rule: rule.name, count: rule.count, date };
}

/** An input not yet parsed (the CLI, tests) → its action; what the scale function's parser does in Lambda. */
export function parseScaleInput(input: unknown, rules: readonly ScaleRule[], now: Date): ScaleAction {
  const parsed = ScaleInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`invalid scale input at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return scaleActionOf(parsed.data, rules, now);
}
