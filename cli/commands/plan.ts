import { planFleet } from '../../core/fleet-plan';
import { parseCommandArgs, type Command } from '../command';
import { defaultFleetIo, fleetContext, type FleetIoFactory } from '../fleet-io';
import { observeFleet } from '../ops/fleet';
import { formatPlan } from '../ops/fleet-format';

const help = `usage: shelfstack plan [--json]

Runs every fleet reconciler (hosts, dns, eip, db, and scale's terminate step) as a dry run
against the live cluster and prints what each would change: against an empty cluster, the web
slots and the db slot it would fill. Nothing is changed; \`shelfstack apply\` does it.

--json  the plan as JSON, for scripts

Needs SHELFSTACK_CLUSTER, SHELFSTACK_BUCKET, SHELFSTACK_ZONE_ID, SHELFSTACK_RECORD and the AWS
SDK's usual variables; SHELFSTACK_LAUNCH_TEMPLATE, SHELFSTACK_DB_LAUNCH_TEMPLATE and
SHELFSTACK_SUBNETS name what launches would use.`;

export async function runPlan(argv: string[], io: FleetIoFactory = defaultFleetIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
  const { ctx, cfg, now } = fleetContext(positionals, values.config, io);
  const plan = planFleet(await observeFleet(ctx.clients, cfg), cfg, now);
  ctx.out(values.json ? JSON.stringify(plan, null, 2) : formatPlan(plan, cfg, now));
  return 0;
}

export const command: Command = { help, run: (argv) => runPlan(argv) };
