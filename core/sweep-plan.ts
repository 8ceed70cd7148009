import { tryParseChunkKey } from './keys';
import { instanceOfSignalQueue } from './signals';

/**
 * What the sweep function does with one event: the schedule sweeps every cache and tidies queues;
 * a chunk created (which may be an overwrite) or deleted invalidates that chunk, another key is
 * ignored. The events are parsed in functions/commons/sweep-events.ts.
 */
export type SweepAction = { kind: 'schedule' } | { kind: 'invalidate'; key: string } | { kind: 'ignore'; reason: string };

export function sweepActionOfKey(key: string): SweepAction {
  return tryParseChunkKey(key) ? { kind: 'invalidate', key } : { kind: 'ignore', reason: `not a chunk key: ${key}` };
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
