import { planScale, type ScaleAction, type ScalePlan } from '../../core/scale-plan';
import { observeInstances } from '../../cloud/ec2';
import { applyScalePlan, observeRecord } from '../../functions/commons/fleet';
import { commandEnv, parseCommandArgs, UsageError, type Command } from '../command';
import { defaultFleetIo, printingLog, type FleetIo } from '../fleet-io';
import { fleetDeps, loadFleetConfig } from '../ops/fleet';

const help = `usage: shelfstack scale out --count N [--rule NAME] [--dry-run]
       shelfstack scale drain [--rule NAME] [--dry-run]
       shelfstack scale in [--dry-run]

For bursts no newsletter rule foresaw:
out    launch N extra web servers tagged shelfstack:surge=NAME (default "manual"); dns adds them
       once healthy. Repeating it within the same minute launches nothing more (ClientTokens).
drain  tag the surge servers (of NAME, or all) shelfstack:lifecycle=draining; dns takes them out
in     terminate the drained surge servers that have been out of DNS for TTL + SHELFSTACK_DRAIN_GRACE,
       and list those still waiting

--dry-run  print what would be done, change nothing

Needs what \`shelfstack plan\` needs, and SHELFSTACK_LAUNCH_TEMPLATE for out.`;

function describe(plan: ScalePlan): string[] {
  return [
    ...plan.launches.map((l) => `launch surge server (rule ${l.tags['shelfstack:surge']}), ClientToken ${l.clientToken}`),
    ...plan.drain.map((id) => `drain ${id}`),
    ...plan.terminate.map((id) => `terminate ${id}`),
    ...plan.waiting.map((w) => `wait ${w.instanceId}: may terminate after ${w.notBefore}`),
  ];
}

function actionFrom(verb: string | undefined, values: { count?: string; rule?: string }, now: Date): ScaleAction {
  if (verb === 'out') {
    const count = Number(values.count);
    if (!values.count || !Number.isInteger(count) || count < 1 || count > 20) throw new UsageError('out needs --count N, from 1 to 20');
    return { action: 'scale-out', rule: values.rule ?? 'manual', count, date: now.toISOString().slice(0, 16).replace(/[-:]/g, '') };
  }
  if (values.count) throw new UsageError('--count is only for scale out');
  if (verb === 'drain') return { action: 'drain', rule: values.rule };
  if (verb === 'in') return { action: 'terminate' };
  throw new UsageError(verb ? `unknown action "${verb}"` : 'which action: out, drain or in?');
}

export async function runScale(argv: string[], io: (env: ReturnType<typeof commandEnv>) => FleetIo = defaultFleetIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { count: { type: 'string' }, rule: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  const [verb, ...extra] = positionals;
  if (extra.length) throw new UsageError(`unexpected argument: ${extra[0]}`);
  if (values.rule !== undefined && !/^[a-z0-9][a-z0-9-]{0,23}$/.test(values.rule)) throw new UsageError('--rule must be up to 24 lowercase letters, digits and dashes');
  const ctx = io(commandEnv(values.config));
  const cfg = loadFleetConfig(ctx.env);
  const now = ctx.now();
  const action = actionFrom(verb, values, now);
  const d = fleetDeps(ctx.clients, cfg, printingLog(ctx.out), now);
  const [instances, record] = await Promise.all([observeInstances(d.ec2, d.cluster), action.action === 'terminate' ? observeRecord(d) : undefined]);
  const plan = planScale(instances, record?.values ?? [], action, { cluster: cfg.cluster, ttl: cfg.ttl, drainGraceSeconds: cfg.drainGrace }, now);
  const lines = describe(plan);
  ctx.out(lines.length ? lines.join('\n') : 'Nothing to do.');
  if (values['dry-run'] || !lines.length) return 0;
  await applyScalePlan(d, plan);
  return 0;
}

export const command: Command = { help, run: (argv) => runScale(argv) };
