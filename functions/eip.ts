import { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeHandler } from 'aws-lambda';
import { loadConfig } from '../core/config';
import { planEip } from '../core/eip-plan';
import { serverSlotsOf } from '../core/fleet-plan';
import type { FleetDetailType } from '../core/fleet-events';
import { defaultEc2 } from '../cloud/fleet-clients';
import { applyEipPlan, observeAddresses, observeHealth, triggerOf, type FleetDeps } from './commons/fleet';

export type EipDeps = Pick<FleetDeps, 'ec2' | 'cluster' | 'healthGrace' | 'healthPath' | 'healthPort' | 'launchTemplate' | 'subnets' | 'webSecurityGroup' | 'ftpLaunchTemplate' | 'cacheLaunchTemplate' | 'logger' | 'now'>;

/**
 * EC2 state changes and a rate schedule → every slot's elastic IP on a healthy instance of its
 * slot: a lost instance gets a replacement (ClientToken from slot and lost instance), and the
 * address moves to it once it is healthy, verified afterwards.
 */
export function eipHandler(deps: EipDeps): EventBridgeHandler<FleetDetailType, unknown, void> {
  return async (event) => {
    const trigger = triggerOf(event, deps.logger);
    const now = deps.now();
    const [instances, addresses] = await Promise.all([observeHealth(deps), observeAddresses(deps)]);
    const plan = planEip(instances, addresses, { cluster: deps.cluster, healthGraceSeconds: deps.healthGrace, subnets: deps.subnets, serverSlots: serverSlotsOf(deps) }, now);
    deps.logger.info('eip_planned', { trigger, launches: plan.launches.length, servers: plan.servers.length, associations: plan.associations.length, stops: plan.stops.length });
    await applyEipPlan(deps, plan);
  };
}

const logger = new Logger({ serviceName: 'shelfstack-eip' });
const config = loadConfig(process.env, ['cluster', 'launchTemplate', 'healthGrace', 'healthPort'], ['healthPath', 'subnets', 'webSecurityGroup', 'ftpLaunchTemplate', 'cacheLaunchTemplate']);

export const handler = eipHandler({ ec2: defaultEc2(), logger, now: () => new Date(), ...config });
