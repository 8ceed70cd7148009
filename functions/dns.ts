import { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeHandler } from 'aws-lambda';
import { loadConfig } from '../core/config';
import { planDns } from '../core/dns-plan';
import type { FleetDetailType } from '../core/fleet-events';
import { emfLine, HEALTHY_WEB_METRIC, METRICS_NAMESPACE } from '../core/metrics';
import { defaultEc2, defaultRoute53 } from '../cloud/fleet-clients';
import { applyDnsPlan, observeAddresses, observeHealth, observeRecord, triggerOf, type FleetDeps } from './commons/fleet';

export type DnsDeps = Pick<
  FleetDeps,
  'ec2' | 'route53' | 'cluster' | 'zoneId' | 'record' | 'ttl' | 'healthGrace' | 'healthPath' | 'healthPort' | 'logger' | 'now' | 'retry'
> & { emit: (line: string) => void };

/**
 * Web state changes, lifecycle tag changes and a rate schedule → the round-robin A record holds
 * exactly the healthy, non-draining web servers (a slot's by its elastic IP, while it holds it). Never emptied: with none healthy it is left as it
 * is, an error is logged and the HealthyWebServers metric (0) raises the alarm.
 */
export function dnsHandler(deps: DnsDeps): EventBridgeHandler<FleetDetailType, unknown, void> {
  return async (event) => {
    const trigger = triggerOf(event, deps.logger);
    const now = deps.now();
    const [instances, addresses, current] = await Promise.all([observeHealth(deps), observeAddresses(deps), observeRecord(deps)]);
    const plan = planDns(instances, addresses, current, { ...deps, healthGraceSeconds: deps.healthGrace }, now);
    deps.emit(emfLine(METRICS_NAMESPACE, HEALTHY_WEB_METRIC, plan.desired.length, { cluster: deps.cluster }, now));
    if (plan.noHealthyWeb) deps.logger.error('no_healthy_web_server', { record: deps.record, kept: current?.values ?? [], trigger });
    await applyDnsPlan(deps, plan);
    if (!plan.upsert) deps.logger.info('dns_record_unchanged', { record: deps.record, values: current?.values ?? [], trigger });
  };
}

const logger = new Logger({ serviceName: 'shelfstack-dns' });
const config = loadConfig(process.env, ['cluster', 'zoneId', 'record', 'ttl', 'healthGrace', 'healthPort'], ['healthPath']);

export const handler = dnsHandler({
  ec2: defaultEc2(),
  route53: defaultRoute53(),
  logger,
  now: () => new Date(),
  emit: (line) => process.stdout.write(`${line}\n`),
  ...config,
});
