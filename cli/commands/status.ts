import { planFleet } from '../../core/fleet-plan';
import { parseCommandArgs, type Command } from '../command';
import { defaultFleetIo, fleetContext, type FleetIoFactory } from '../fleet-io';
import { listingFreshness, observeFleet } from '../ops/fleet';
import { formatStatus } from '../ops/fleet-format';

const help = `usage: shelfstack status

Shows the cluster's instances by slot and role with their health, the round-robin record's
current values beside the desired ones, the holder of each elastic IP, the db volume with its
attachment (instance, device, state) and its holder's health, the hosts file's age and the
listing's freshness. Changes nothing.

Needs SHELFSTACK_CLUSTER, SHELFSTACK_BUCKET, SHELFSTACK_ZONE_ID, SHELFSTACK_RECORD and the AWS
SDK's usual variables.`;

export async function runStatus(argv: string[], io: FleetIoFactory = defaultFleetIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {});
  const { ctx, cfg, now } = fleetContext(positionals, values.config, io);
  const [observation, listing] = await Promise.all([observeFleet(ctx.clients, cfg), listingFreshness(ctx.clients, cfg)]);
  ctx.out(formatStatus(observation, planFleet(observation, cfg, now), listing, cfg, now));
  return 0;
}

export const command: Command = { help, run: (argv) => runStatus(argv) };
