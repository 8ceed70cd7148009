import type { SQSClient } from '@aws-sdk/client-sqs';
import { encodeSignal, signalQueuePrefix, type Signal } from '../core/signals';
import { isQueueMissing, listQueueUrls, sendMessage } from './sqs';

export interface PublishResult {
  queues: number;
  delivered: number;
}

/**
 * Sends one signal to every instance queue of the cluster. No queues is a no-op, and a queue that
 * vanished between the listing and the send (its instance is gone) is skipped.
 */
export async function publishSignal(sqs: SQSClient, cluster: string, signal: Signal): Promise<PublishResult> {
  const body = encodeSignal(signal);
  const urls = await listQueueUrls(sqs, signalQueuePrefix(cluster));
  let delivered = 0;
  await Promise.all(
    urls.map(async (url) => {
      try {
        await sendMessage(sqs, url, body);
        delivered++;
      } catch (e: unknown) {
        if (!isQueueMissing(e)) throw e;
      }
    }),
  );
  return { queues: urls.length, delivered };
}
