import { Logger } from '@aws-lambda-powertools/logger';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { ParsedResult } from '@aws-lambda-powertools/parser/types';
import { loadConfig } from '../core/config';
import { planScale, type ScaleAction } from '../core/scale-plan';
import { scaleActionOf, ScaleInputSchema, type ScaleInput, type ScaleRule } from '../core/scale-rules';
import { observeInstances } from '../cloud/ec2';
import { defaultEc2, defaultRoute53 } from '../cloud/fleet-clients';
import { applyScalePlan, observeRecord, type FleetDeps } from './commons/fleet';
import { functionMetrics, lambda, parsedOrThrow, type LambdaHandler } from './commons/lambda';

export type ScaleDeps = Pick<FleetDeps, 'ec2' | 'route53' | 'cluster' | 'zoneId' | 'record' | 'ttl' | 'drainGrace' | 'launchTemplate' | 'subnets' | 'webSecurityGroup' | 'logger' | 'metrics' | 'now' | 'retry'> & {
  scaleRules: ScaleRule[];
};

/** The input a scale schedule sends (serverless/resources/scale-schedules.js, the terminate tick). */
export type { ScaleInput };

/**
 * Newsletter schedules → surge web servers: scale-out launches the rule's extra servers (one
 * ClientToken per rule, date and index), drain tags them draining (dns takes them out), and the
 * terminate tick ends each one after it has been out of DNS for TTL + grace. The schedules carry
 * their own input (no EventBridge envelope), parsed with its schema.
 */
export function scaleHandler(deps: ScaleDeps): LambdaHandler<ScaleInput, void> {
  const run = async (parsed: ParsedResult<unknown, ScaleInput>) => {
    const now = deps.now();
    const input = parsedOrThrow(parsed, deps.logger, 'malformed_scale_input', 'invalid scale input');
    let action: ScaleAction;
    try {
      action = scaleActionOf(input, deps.scaleRules, now);
    } catch (e: unknown) {
      deps.logger.error('malformed_scale_input', { reason: e instanceof Error ? e.message : String(e) });
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
  return lambda(run, { logger: deps.logger, metrics: deps.metrics, use: [parser({ schema: ScaleInputSchema, safeParse: true })] });
}

const logger = new Logger({ serviceName: 'shelfstack-scale' });
const config = loadConfig(process.env, ['cluster', 'zoneId', 'record', 'ttl', 'drainGrace', 'launchTemplate', 'scaleRules'], ['subnets', 'webSecurityGroup']);

export const handler = scaleHandler({ ec2: defaultEc2(), route53: defaultRoute53(), logger, metrics: functionMetrics(config.cluster, 'scale'), now: () => new Date(), ...config });
