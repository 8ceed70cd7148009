import { z } from 'zod';
import { ValidationError } from './errors';
import { isValidBook, tryParseChunkKey } from './keys';
import { parseJsonWith } from './validate';

/**
 * Signals are the control plane's messages to instances, one SQS queue per instance:
 * - `listing-changed`: sync one book's listing folder, or every book when no book is named;
 * - `hosts-changed`: fetch cluster/hosts again and install it;
 * - `sweep`: run the download cache's sweeper now;
 * - `invalidate`: drop one cached chunk, named by its exact (decoded) S3 key.
 */
const signalSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('listing-changed'),
    data: z.object({ book: z.string().refine(isValidBook, 'not a book code').optional() }),
  }),
  z.object({ type: z.literal('hosts-changed'), data: z.object({}) }),
  z.object({ type: z.literal('sweep'), data: z.object({}) }),
  z.object({
    type: z.literal('invalidate'),
    data: z.object({ key: z.string().refine((k) => tryParseChunkKey(k) !== undefined, 'not a chunk key') }),
  }),
]);

export type Signal = z.infer<typeof signalSchema>;
export type SignalType = Signal['type'];

export function encodeSignal(signal: Signal): string {
  return JSON.stringify(signalSchema.parse(signal));
}

export function decodeSignal(body: string): Signal {
  return parseJsonWith(signalSchema, body, 'signal');
}

// SQS queue names: at most 80 characters of letters, digits, hyphens and underscores.
const QUEUE_PART = /^[A-Za-z0-9_-]+$/;

/** The name prefix the control plane lists to find every instance of a cluster. */
export function signalQueuePrefix(cluster: string): string {
  return `shelfstack-${cluster}-signal-`;
}

export function signalQueueName(cluster: string, instanceId: string): string {
  if (!QUEUE_PART.test(instanceId)) throw new ValidationError(`instance id not usable in a queue name: ${instanceId}`);
  const name = `${signalQueuePrefix(cluster)}${instanceId}`;
  if (name.length > 80) throw new ValidationError(`signal queue name longer than 80 characters: ${name}`);
  return name;
}

/** The instance id a signal queue belongs to, from its URL or name; undefined when it is not one of the cluster's. */
export function instanceOfSignalQueue(cluster: string, queueUrlOrName: string): string | undefined {
  const name = queueUrlOrName.slice(queueUrlOrName.lastIndexOf('/') + 1);
  const prefix = signalQueuePrefix(cluster);
  return name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : undefined;
}
