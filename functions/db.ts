import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../core/config';
import { planDb } from '../core/db-plan';
import { defaultEc2 } from '../cloud/fleet-clients';
import { applyDbPlan, observeDbSlot, type DbSlotDeps } from './commons/db-slot';
import { observeHealth, type FleetDeps } from './commons/fleet';
import { fleetEventParser, triggerOf, type FleetEvent, type ParsedFleetEvent } from './commons/fleet-events';
import { functionMetrics, lambda, type LambdaHandler } from './commons/lambda';

export type DbDeps = DbSlotDeps & Pick<FleetDeps, 'healthGrace' | 'healthPort' | 'metrics' | 'now'>;

/**
 * EC2 state changes and a rate schedule → the db slot has one healthy instance holding the data
 * volume. One step a run: launch a replacement in the volume's AZ (ClientToken from the lost
 * instance) and stop a lost holder that still runs; detach from a stopped holder; attach the
 * available volume to the running replacement and verify. The next event or tick continues.
 */
export function dbHandler(deps: DbDeps): LambdaHandler<FleetEvent, void> {
  const run = async (event: ParsedFleetEvent) => {
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
  return lambda(run, { logger: deps.logger, metrics: deps.metrics, use: [fleetEventParser()] });
}

const logger = new Logger({ serviceName: 'shelfstack-db' });
const config = loadConfig(process.env, ['cluster', 'dbLaunchTemplate', 'dbDevice', 'healthGrace', 'healthPort'], ['subnets']);

export const handler = dbHandler({ ec2: defaultEc2(), logger, metrics: functionMetrics(config.cluster, 'db'), now: () => new Date(), ...config });
