import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { EventBridgeEvent } from 'aws-lambda';
import { CHUNK_PREFIX } from '../../core/keys';

type Handler = (event: EventBridgeEvent<string, unknown>) => Promise<void>;

function envelope(detailType: string, source: string, detail: unknown, resources: string[] = []): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: '000000000000',
    time: new Date().toISOString(),
    region: process.env.AWS_REGION ?? 'us-east-1',
    resources,
    detail,
  };
}

/**
 * The bucket's EventBridge notifications, on loopback: s3rver's events under audiobooks/ reach the
 * handler as `Object Created`/`Object Deleted`, with the key as it is (EventBridge does not encode it).
 */
export function routeObjectEvents(events: EventEmitter, bucket: string, handler: Handler, onError: (e: Error) => void): () => void {
  const listener = (event: { Records: { eventName: string; s3: { object: { key: string } } }[] }) => {
    for (const r of event.Records) {
      if (!r.s3.object.key.startsWith(CHUNK_PREFIX)) continue;
      const detailType = r.eventName.startsWith('ObjectRemoved') ? 'Object Deleted' : 'Object Created';
      const detail = { version: '0', bucket: { name: bucket }, object: { key: r.s3.object.key } };
      handler(envelope(detailType, 'aws.s3', detail, [`arn:aws:s3:::${bucket}`])).catch(onError);
    }
  };
  events.on('event', listener);
  return () => events.off('event', listener);
}

/** A rate schedule, on loopback: the handler gets a `Scheduled Event` every `everyMs`. */
export function scheduleEvery(everyMs: number, handler: Handler, onError: (e: Error) => void): () => void {
  const timer = setInterval(() => handler(envelope('Scheduled Event', 'aws.events', {})).catch(onError), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
