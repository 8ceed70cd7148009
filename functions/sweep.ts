import { Logger } from '@aws-lambda-powertools/logger';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { ParsedResult } from '@aws-lambda-powertools/parser/types';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { EventBridgeEvent } from 'aws-lambda';
import { loadConfig } from '../core/config';
import { signalQueuePrefix } from '../core/signals';
import { checkableInstances, planQueueCleanup, type SweepAction } from '../core/sweep-plan';
import { defaultSqs } from '../cloud/clients';
import { defaultEc2 } from '../cloud/fleet-clients';
import { existingInstances } from '../cloud/ec2';
import { publishSignal } from '../cloud/signals';
import { deleteQueue, listQueueUrls } from '../cloud/sqs';
import { functionMetrics, lambda, parsedOrThrow, type FunctionMetrics, type LambdaHandler } from './commons/lambda';
import { SweepEventSchema } from './commons/sweep-events';

export interface SweepDeps {
  sqs: SQSClient;
  ec2: EC2Client;
  cluster: string;
  logger: Logger;
  metrics?: FunctionMetrics;
}

/**
 * Schedule → `sweep` to every instance (agents without a cache drop it) and removal of the signal
 * queues of instances that no longer exist. S3 Object Created/Deleted under audiobooks/ →
 * `invalidate` of exactly that key. A malformed event throws, so Lambda retries and then gives up
 * with the event in the function's on-failure record.
 */
export function sweepHandler(deps: SweepDeps): LambdaHandler<EventBridgeEvent<string, unknown>, void> {
  const run = async (parsed: ParsedResult<unknown, SweepAction>) => {
    const action = parsedOrThrow(parsed, deps.logger, 'malformed_sweep_event', 'not a schedule or S3 object event');
    if (action.kind === 'ignore') return deps.logger.info('sweep_event_ignored', { reason: action.reason });
    if (action.kind === 'invalidate') {
      const result = await publishSignal(deps.sqs, deps.cluster, { type: 'invalidate', data: { key: action.key } });
      return deps.logger.info('invalidate_signalled', { key: action.key, ...result });
    }
    const result = await publishSignal(deps.sqs, deps.cluster, { type: 'sweep', data: {} });
    deps.logger.info('sweep_signalled', { ...result });

    const urls = await listQueueUrls(deps.sqs, signalQueuePrefix(deps.cluster));
    const existing = await existingInstances(deps.ec2, checkableInstances(deps.cluster, urls));
    for (const url of planQueueCleanup(deps.cluster, urls, existing)) {
      await deleteQueue(deps.sqs, url);
      deps.logger.info('signal_queue_of_gone_instance_deleted', { queueUrl: url });
    }
  };
  return lambda(run, { logger: deps.logger, metrics: deps.metrics, use: [parser({ schema: SweepEventSchema, safeParse: true })] });
}

const logger = new Logger({ serviceName: 'shelfstack-sweep' });
const config = loadConfig(process.env, ['cluster']);

export const handler = sweepHandler({ sqs: defaultSqs(), ec2: defaultEc2(), logger, metrics: functionMetrics(config.cluster, 'sweep'), ...config });
