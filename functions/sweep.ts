import { Logger } from '@aws-lambda-powertools/logger';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { EventBridgeEvent } from 'aws-lambda';
import { loadConfig } from '../core/config';
import { signalQueuePrefix } from '../core/signals';
import { checkableInstances, classifySweepEvent, planQueueCleanup } from '../core/sweep-plan';
import { defaultSqs } from '../cloud/clients';
import { defaultEc2 } from '../cloud/fleet-clients';
import { existingInstances } from '../cloud/ec2';
import { publishSignal } from '../cloud/signals';
import { deleteQueue, listQueueUrls } from '../cloud/sqs';

export interface SweepDeps {
  sqs: SQSClient;
  ec2: EC2Client;
  cluster: string;
  logger: Logger;
}

type SweepEvent = EventBridgeEvent<string, unknown>;

/**
 * Schedule → `sweep` to every instance (agents without a cache drop it) and removal of the signal
 * queues of instances that no longer exist. S3 Object Created/Deleted under audiobooks/ →
 * `invalidate` of exactly that key. A malformed event throws, so Lambda retries and then gives up
 * with the event in the function's on-failure record.
 */
export function sweepHandler(deps: SweepDeps) {
  return async (event: SweepEvent): Promise<void> => {
    const action = classifySweepEvent(event);
    if (action.kind === 'ignore') {
      deps.logger.info('sweep_event_ignored', { reason: action.reason, eventId: event.id });
      return;
    }
    if (action.kind === 'invalidate') {
      const result = await publishSignal(deps.sqs, deps.cluster, { type: 'invalidate', data: { key: action.key } });
      deps.logger.info('invalidate_signalled', { key: action.key, ...result });
      return;
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
}

const logger = new Logger({ serviceName: 'shelfstack-sweep' });
const config = loadConfig(process.env, ['cluster']);

export const handler = sweepHandler({ sqs: defaultSqs(), ec2: defaultEc2(), logger, ...config });
