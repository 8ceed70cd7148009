import { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeHandler } from 'aws-lambda';
import { loadConfig } from '../core/config';
import type { FleetDetailType } from '../core/fleet-events';
import { defaultS3, defaultSqs } from '../cloud/clients';
import { defaultEc2 } from '../cloud/fleet-clients';
import { reconcileHosts, triggerOf, type FleetDeps } from './commons/fleet';

export type HostsDeps = Pick<FleetDeps, 'ec2' | 's3' | 'sqs' | 'bucket' | 'cluster' | 'logger'>;

/**
 * EC2 state changes and a rate schedule → cluster/hosts, rewritten only when it changed, then a
 * hosts-changed signal to every instance. A role with no running instance keeps its last line.
 */
export function hostsHandler(deps: HostsDeps): EventBridgeHandler<FleetDetailType, unknown, void> {
  return async (event) => {
    const trigger = triggerOf(event, deps.logger);
    deps.logger.info('hosts_reconcile_started', { trigger });
    const outcome = await reconcileHosts(deps);
    outcome.warnings.forEach((w) => deps.logger.warn(w.event, { name: w.name, detail: w.detail }));
    deps.logger.info(outcome.changed ? 'hosts_changed' : 'hosts_unchanged', { lines: outcome.text.split('\n').length - 1 });
  };
}

const logger = new Logger({ serviceName: 'shelfstack-hosts' });
const config = loadConfig(process.env, ['cluster', 'bucket']);

export const handler = hostsHandler({ ec2: defaultEc2(), s3: defaultS3(), sqs: defaultSqs(), logger, ...config });
