import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { signalQueuePrefix } from '../../../core/signals';
import { isQueueMissing, listQueueUrls } from '../../../cloud/sqs';

export type QueueKind = 'work' | 'dead-letter' | 'signal';

export interface QueueDepth {
  name: string;
  kind: QueueKind;
  /** ApproximateNumberOfMessages: waiting to be received. */
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received, not yet deleted. */
  inFlight: number;
}

/** The cluster's queues by name (serverless/resources), and what each is for. */
export function queueKind(cluster: string, name: string): QueueKind | undefined {
  const p = `shelfstack-${cluster}-`;
  if (name === `${p}uploads`) return 'work';
  if (name === `${p}uploads-dlq` || name === `${p}fleet-failures`) return 'dead-letter';
  if (name.startsWith(signalQueuePrefix(cluster))) return 'signal';
  return undefined;
}

const ORDER: Record<QueueKind, number> = { work: 0, 'dead-letter': 1, signal: 2 };

/**
 * The depth of every queue of the cluster: uploads, its DLQ, fleet-failures and each instance's
 * signal queue. A queue deleted between the listing and its attributes (its instance went) is left out.
 */
export async function observeQueues(sqs: SQSClient, cluster: string): Promise<QueueDepth[]> {
  const urls = await listQueueUrls(sqs, `shelfstack-${cluster}-`);
  const depths = await Promise.all(
    urls.map(async (url): Promise<QueueDepth | undefined> => {
      const name = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
      const kind = queueKind(cluster, name);
      if (!kind) return undefined;
      try {
        const res = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
        const a = res.Attributes ?? {};
        return { name, kind, visible: Number(a.ApproximateNumberOfMessages ?? 0), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) };
      } catch (e: unknown) {
        if (isQueueMissing(e)) return undefined;
        throw e;
      }
    }),
  );
  return depths.filter((d): d is QueueDepth => d !== undefined).sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || (a.name < b.name ? -1 : 1));
}
