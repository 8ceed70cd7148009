import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { loadConfig } from '../core/config';
import { planDns } from '../core/dns-plan';
import { defaultEc2, defaultRoute53 } from '../cloud/fleet-clients';
import { applyDnsPlan, observeAddresses, observeHealth, observeRecord, type FleetDeps } from './commons/fleet';
import { fleetEventParser, triggerOf, type FleetEvent, type ParsedFleetEvent } from './commons/fleet-events';
import { functionMetrics, HEALTHY_WEB_METRIC, lambda, type LambdaHandler } from './commons/lambda';

export type DnsDeps = Pick<
  FleetDeps,
  'ec2' | 'route53' | 'cluster' | 'zoneId' | 'record' | 'ttl' | 'healthGrace' | 'healthPath' | 'healthPort' | 'logger' | 'metrics' | 'now' | 'retry'
> & {
  /** Where the EMF lines go instead of stdout (tests), when no `metrics` are given. */
  emit?: (line: string) => void;
};

/**
 * Web state changes, lifecycle tag changes and a rate schedule → the round-robin A record holds
 * exactly the healthy, non-draining web servers (a slot's by its elastic IP, while it holds it). Never emptied: with none healthy it is left as it
 * is, an error is logged and the HealthyWebServers metric (0) raises the alarm.
 */
export function dnsHandler(deps: DnsDeps): LambdaHandler<FleetEvent, void> {
  const metrics = deps.metrics ?? functionMetrics(deps.cluster, 'dns', { own: true, emit: deps.emit });
  const run = async (event: ParsedFleetEvent) => {
    const trigger = triggerOf(event, deps.logger);
    const now = deps.now();
    const [instances, addresses, current] = await Promise.all([observeHealth(deps), observeAddresses(deps), observeRecord(deps)]);
    const plan = planDns(instances, addresses, current, { ...deps, healthGraceSeconds: deps.healthGrace }, now);
    metrics.metrics?.setTimestamp(now).addMetric(HEALTHY_WEB_METRIC, MetricUnit.Count, plan.desired.length);
    if (plan.noHealthyWeb) deps.logger.error('no_healthy_web_server', { record: deps.record, kept: current?.values ?? [], trigger });
    await applyDnsPlan(deps, plan);
    if (!plan.upsert) deps.logger.info('dns_record_unchanged', { record: deps.record, values: current?.values ?? [], trigger });
  };
  return lambda(run, { logger: deps.logger, metrics, use: [fleetEventParser()] });
}

const logger = new Logger({ serviceName: 'shelfstack-dns' });
const config = loadConfig(process.env, ['cluster', 'zoneId', 'record', 'ttl', 'healthGrace', 'healthPort'], ['healthPath']);

export const handler = dnsHandler({ ec2: defaultEc2(), route53: defaultRoute53(), logger, now: () => new Date(), ...config });
