import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../core/config';
import { planEip } from '../core/eip-plan';
import { serverSlotsOf } from '../core/fleet-plan';
import { defaultEc2 } from '../cloud/fleet-clients';
import { applyEipPlan, observeAddresses, observeHealth, type FleetDeps } from './commons/fleet';
import { fleetEventParser, triggerOf, type FleetEvent, type ParsedFleetEvent } from './commons/fleet-events';
import { functionMetrics, lambda, type LambdaHandler } from './commons/lambda';

export type EipDeps = Pick<FleetDeps, 'ec2' | 'cluster' | 'healthGrace' | 'healthPath' | 'healthPort' | 'launchTemplate' | 'subnets' | 'webSecurityGroup' | 'ftpLaunchTemplate' | 'cacheLaunchTemplate' | 'logger' | 'metrics' | 'now'>;

/**
 * EC2 state changes and a rate schedule → every slot's elastic IP on a healthy instance of its
 * slot: a lost instance gets a replacement (ClientToken from slot and lost instance), and the
 * address moves to it once it is healthy, verified afterwards.
 */
export function eipHandler(deps: EipDeps): LambdaHandler<FleetEvent, void> {
  const run = async (event: ParsedFleetEvent) => {
    const trigger = triggerOf(event, deps.logger);
    const now = deps.now();
    const [instances, addresses] = await Promise.all([observeHealth(deps), observeAddresses(deps)]);
    const plan = planEip(instances, addresses, { cluster: deps.cluster, healthGraceSeconds: deps.healthGrace, subnets: deps.subnets, serverSlots: serverSlotsOf(deps) }, now);
    deps.logger.info('eip_planned', { trigger, launches: plan.launches.length, servers: plan.servers.length, associations: plan.associations.length, stops: plan.stops.length });
    await applyEipPlan(deps, plan);
  };
  return lambda(run, { logger: deps.logger, metrics: deps.metrics, use: [fleetEventParser()] });
}

const logger = new Logger({ serviceName: 'shelfstack-eip' });
const config = loadConfig(process.env, ['cluster', 'launchTemplate', 'healthGrace', 'healthPort'], ['healthPath', 'subnets', 'webSecurityGroup', 'ftpLaunchTemplate', 'cacheLaunchTemplate']);

export const handler = eipHandler({ ec2: defaultEc2(), logger, metrics: functionMetrics(config.cluster, 'eip'), now: () => new Date(), ...config });
