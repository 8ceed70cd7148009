import { Logger } from '@aws-lambda-powertools/logger';
import type { Handler } from 'aws-lambda';
import { loadConfig } from '../core/config';
import { planScale, type ScaleAction } from '../core/scale-plan';
import { parseScaleInput, type ScaleRule } from '../core/scale-rules';
import { observeInstances } from '../cloud/ec2';
import { defaultEc2, defaultRoute53 } from '../cloud/fleet-clients';
import { applyScalePlan, observeRecord, type FleetDeps } from './commons/fleet';

export type ScaleDeps = Pick<FleetDeps, 'ec2' | 'route53' | 'cluster' | 'zoneId' | 'record' | 'ttl' | 'drainGrace' | 'launchTemplate' | 'subnets' | 'webSecurityGroup' | 'logger' | 'now' | 'retry'> & {
  scaleRules: ScaleRule[];
};

/** The input a scale schedule sends (serverless/functions/scale-schedules.js). */
export interface ScaleInput {
  action: string;
  rule?: string;
  scheduledTime?: string;
}

/**
 * Newsletter schedules → surge web servers: scale-out launches the rule's extra servers (one
 * ClientToken per rule, date and index), drain tags them draining (dns takes them out), and the
 * terminate tick ends each one after it has been out of DNS for TTL + grace.
 */
export function scaleHandler(deps: ScaleDeps): Handler<ScaleInput, void> {
  return async (input) => {
    const now = deps.now();
    let action: ScaleAction;
    try {
      action = parseScaleInput(input, deps.scaleRules, now);
    } catch (e: unknown) {
      deps.logger.error('malformed_scale_input', { reason: (e as Error).message });
      throw e;
    }
    const [instances, record] = await Promise.all([
      observeInstances(deps.ec2, deps.cluster),
      action.action === 'terminate' ? observeRecord(deps) : Promise.resolve(undefined),
    ]);
    const plan = planScale(instances, record?.values ?? [], action, { ...deps, drainGraceSeconds: deps.drainGrace }, now);
    deps.logger.info('scale_planned', { ...action, launches: plan.launches.length, drain: plan.drain.length, terminate: plan.terminate.length });
    await applyScalePlan(deps, plan);
  };
}

const logger = new Logger({ serviceName: 'shelfstack-scale' });
const config = loadConfig(process.env, ['cluster', 'zoneId', 'record', 'ttl', 'drainGrace', 'launchTemplate', 'scaleRules'], ['subnets', 'webSecurityGroup']);

export const handler = scaleHandler({ ec2: defaultEc2(), route53: defaultRoute53(), logger, now: () => new Date(), ...config });
