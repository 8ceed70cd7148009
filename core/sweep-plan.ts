import { z } from 'zod';
import { ValidationError } from './errors';
import { tryParseChunkKey } from './keys';
import { instanceOfSignalQueue } from './signals';

/**
 * What the sweep function does with one EventBridge event: the schedule sweeps every cache and
 * tidies queues; a chunk created (which may be an overwrite) or deleted invalidates that chunk.
 * EventBridge carries S3 keys as they are (not URL-encoded, unlike S3 → SQS notifications).
 */
export type SweepAction = { kind: 'schedule' } | { kind: 'invalidate'; key: string } | { kind: 'ignore'; reason: string };

const objectEvent = z.object({
  'detail-type': z.enum(['Object Created', 'Object Deleted']),
  source: z.literal('aws.s3'),
  detail: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string().min(1) }) }),
});

export function classifySweepEvent(event: unknown): SweepAction {
  const e = event as { source?: unknown; 'detail-type'?: unknown };
  if (e?.source === 'aws.events' && e['detail-type'] === 'Scheduled Event') return { kind: 'schedule' };
  const parsed = objectEvent.safeParse(event);
  if (!parsed.success) throw new ValidationError(`not a schedule or S3 object event: ${parsed.error.issues[0]?.message}`);
  const key = parsed.data.detail.object.key;
  if (!tryParseChunkKey(key)) return { kind: 'ignore', reason: `not a chunk key: ${key}` };
  return { kind: 'invalidate', key };
}

// Only ids EC2 can answer for are ever checked; a queue whose id we cannot verify is kept.
const EC2_INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** The instance ids behind the cluster's signal queues that EC2 can be asked about. */
export function checkableInstances(cluster: string, queueUrls: readonly string[]): string[] {
  return [...new Set(queueUrls.map((u) => instanceOfSignalQueue(cluster, u)).filter((id): id is string => !!id && EC2_INSTANCE_ID.test(id)))];
}

/**
 * The signal queues to delete: those whose instance EC2 no longer knows, or knows as terminated.
 * Queues of stopped instances stay (they come back), as do queues whose id is not an EC2 id.
 */
export function planQueueCleanup(cluster: string, queueUrls: readonly string[], existing: ReadonlySet<string>): string[] {
  const checkable = new Set(checkableInstances(cluster, queueUrls));
  return queueUrls.filter((u) => {
    const id = instanceOfSignalQueue(cluster, u);
    return id !== undefined && checkable.has(id) && !existing.has(id);
  });
}
