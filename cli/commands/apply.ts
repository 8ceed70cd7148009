import { isFleetPlanEmpty, planFleet } from '../../core/fleet-plan';
import { parseCommandArgs, UsageError, type Command } from '../command';
import { defaultFleetIo, fleetContext, printingLog, type FleetIoFactory } from '../fleet-io';
import { applyFleetPlan, observeFleet } from '../ops/fleet';
import { formatPlan } from '../ops/fleet-format';

const help = `usage: shelfstack apply [--yes]

Shows the plan (as \`shelfstack plan\` does), asks, then applies it: the hosts file only if it
is still the one planned against; replacements, address moves and stops; the db slot's step;
then the DNS record, planned again from a fresh look if an address moved (the move releases the
replacement's own address); then terminations of drained surge servers.

--yes  apply without asking (required when stdin is not a terminal)

Needs what \`shelfstack plan\` needs, and SHELFSTACK_LAUNCH_TEMPLATE (web) and
SHELFSTACK_DB_LAUNCH_TEMPLATE (db) to launch replacements.`;

export async function runApply(argv: string[], io: FleetIoFactory = defaultFleetIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { yes: { type: 'boolean', short: 'y' } });
  const { ctx, cfg, now } = fleetContext(positionals, values.config, io);
  const plan = planFleet(await observeFleet(ctx.clients, cfg), cfg, now);
  ctx.out(formatPlan(plan, cfg, now, { applying: true }));
  if (isFleetPlanEmpty(plan)) return 0;
  if (!values.yes) {
    if (!ctx.stdinIsTty) throw new UsageError('stdin is not a terminal: pass --yes to apply without asking');
    if (!(await ctx.confirm('\nApply these changes? [y/N] '))) {
      ctx.out('Nothing applied.');
      return 1;
    }
  }
  await applyFleetPlan(ctx.clients, cfg, plan, printingLog(ctx.out), now);
  ctx.out('Applied.');
  return 0;
}

export const command: Command = { help, run: (argv) => runApply(argv) };
