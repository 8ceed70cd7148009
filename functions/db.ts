import { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeHandler } from 'aws-lambda';
import { loadConfig } from '../core/config';
import { planDb } from '../core/db-plan';
import type { FleetDetailType } from '../core/fleet-events';
import { defaultEc2 } from '../cloud/fleet-clients';
import { applyDbPlan, observeDbSlot, type DbSlotDeps } from './commons/db-slot';
import { observeHealth, triggerOf, type FleetDeps } from './commons/fleet';

export type DbDeps = DbSlotDeps & Pick<FleetDeps, 'healthGrace' | 'healthPort' | 'now'>;

/**
 * EC2 state changes and a rate schedule → the db slot has one healthy instance holding the data
 * volume. One step a run: launch a replacement in the volume's AZ (ClientToken from the lost
 * instance) and stop a lost holder that still runs; detach from a stopped holder; attach the
 * available volume to the running replacement and verify. The next event or tick continues.
 */
export function dbHandler(deps: DbDeps): EventBridgeHandler<FleetDetailType, unknown, void> {
  return async (event) => {
    const trigger = triggerOf(event, deps.logger);
    const now = deps.now();
    // The HTTP probe is for web servers: the db slot goes by EC2's status checks alone.
    const [instances, slot] = await Promise.all([observeHealth({ ...deps, healthPath: undefined }), observeDbSlot(deps)]);
    const plan = planDb(instances, slot.volumes, { cluster: deps.cluster, healthGraceSeconds: deps.healthGrace, device: deps.dbDevice, subnets: slot.subnets }, now);
    deps.logger.info('db_planned', {
      trigger,
      volumeId: plan.volume?.id,
      holder: plan.holder,
      launch: !!plan.launch,
      stop: plan.stop?.instanceId,
      detach: !!plan.detach,
      attach: plan.attach?.instanceId,
    });
    await applyDbPlan(deps, plan);
  };
}

const logger = new Logger({ serviceName: 'shelfstack-db' });
const config = loadConfig(process.env, ['cluster', 'dbLaunchTemplate', 'dbDevice', 'healthGrace', 'healthPort'], ['subnets']);

export const handler = dbHandler({ ec2: defaultEc2(), logger, now: () => new Date(), ...config });
