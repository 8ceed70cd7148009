import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../core/config';
import { defaultS3, defaultSqs } from '../cloud/clients';
import { defaultEc2 } from '../cloud/fleet-clients';
import { reconcileHosts, type FleetDeps } from './commons/fleet';
import { fleetEventParser, triggerOf, type FleetEvent, type ParsedFleetEvent } from './commons/fleet-events';
import { functionMetrics, lambda, type LambdaHandler } from './commons/lambda';

export type HostsDeps = Pick<FleetDeps, 'ec2' | 's3' | 'sqs' | 'bucket' | 'cluster' | 'logger' | 'metrics'>;

/**
 * EC2 state changes and a rate schedule → cluster/hosts, rewritten only when it changed, then a
 * hosts-changed signal to every instance. A role with no running instance keeps its last line.
 */
export function hostsHandler(deps: HostsDeps): LambdaHandler<FleetEvent, void> {
  const run = async (event: ParsedFleetEvent) => {
    const trigger = triggerOf(event, deps.logger);
    deps.logger.info('hosts_reconcile_started', { trigger });
    const outcome = await reconcileHosts(deps);
    outcome.warnings.forEach((w) => deps.logger.warn(w.event, { name: w.name, detail: w.detail }));
    deps.logger.info(outcome.changed ? 'hosts_changed' : 'hosts_unchanged', { lines: outcome.text.split('\n').length - 1 });
  };
  return lambda(run, { logger: deps.logger, metrics: deps.metrics, use: [fleetEventParser()] });
}

const logger = new Logger({ serviceName: 'shelfstack-hosts' });
const config = loadConfig(process.env, ['cluster', 'bucket']);

export const handler = hostsHandler({ ec2: defaultEc2(), s3: defaultS3(), sqs: defaultSqs(), logger, metrics: functionMetrics(config.cluster, 'hosts'), ...config });
