import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, type Change, type Route53Client } from '@aws-sdk/client-route-53';
import { sortIps, type ARecord } from '../core/dns-plan';

// Route 53 accepts at most 1000 changes per call; the contract keeps batches to 100.
const MAX_CHANGES_PER_BATCH = 100;
const RETRYABLE = new Set(['PriorRequestNotComplete', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded']);

export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const defaultRetry: RetryOptions = {
  attempts: 6,
  baseMs: 200,
  maxMs: 5000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export function isRetryable(e: unknown): boolean {
  const err = e as { name?: string; Code?: string };
  return RETRYABLE.has(err?.name ?? '') || RETRYABLE.has(err?.Code ?? '');
}

/** Runs `call`, retrying Route 53's "try again later" errors with full-jitter exponential backoff. */
export async function withRetry<T>(call: () => Promise<T>, opts: RetryOptions = defaultRetry): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e: unknown) {
      if (!isRetryable(e) || attempt >= opts.attempts) throw e;
      await opts.sleep(Math.floor(opts.random() * Math.min(opts.maxMs, opts.baseMs * 2 ** (attempt - 1))));
    }
  }
}

function sameName(a: string, b: string): boolean {
  const norm = (n: string) => n.toLowerCase().replace(/\.$/, '');
  return norm(a) === norm(b);
}

/** The simple A record of that name, or undefined when the zone has none. */
export async function getARecord(r53: Route53Client, zoneId: string, name: string, retry = defaultRetry): Promise<ARecord | undefined> {
  const res = await withRetry(
    () => r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, StartRecordType: 'A', MaxItems: 1 })),
    retry,
  );
  const set = res.ResourceRecordSets?.find((r) => r.Type === 'A' && sameName(r.Name ?? '', name) && !r.SetIdentifier);
  if (!set) return undefined;
  return { name, ttl: set.TTL ?? 0, values: sortIps((set.ResourceRecords ?? []).map((r) => r.Value!)) };
}

export function upsertChange(record: ARecord): Change {
  return {
    Action: 'UPSERT',
    ResourceRecordSet: { Name: record.name, Type: 'A', TTL: record.ttl, ResourceRecords: record.values.map((Value) => ({ Value })) },
  };
}

/** Applies the changes in batches of at most 100, each retried on throttling; returns the change ids. */
export async function changeRecords(
  r53: Route53Client,
  zoneId: string,
  changes: readonly Change[],
  comment: string,
  retry = defaultRetry,
): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < changes.length; k += MAX_CHANGES_PER_BATCH) {
    const batch = changes.slice(k, k + MAX_CHANGES_PER_BATCH);
    const res = await withRetry(
      () => r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Comment: comment, Changes: batch } })),
      retry,
    );
    ids.push(res.ChangeInfo?.Id ?? '');
  }
  return ids;
}
