import type { EventEmitter } from 'node:events';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CHUNK_PREFIX, encodeEventKey } from '../../core/keys';
import { sendMessage } from '../../cloud/sqs';

interface EmulatorRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string } };
}

/**
 * The bucket notification of serverless/resources/bucket.yml, on loopback: s3rver's events under
 * audiobooks/ go to the uploads queue. s3rver leaves keys raw; real S3 URL-encodes them, so we
 * encode as S3 does and the listing decodes exactly what it would decode in AWS.
 */
export function routeNotifications(events: EventEmitter, sqs: SQSClient, queueUrl: string, onError: (e: Error) => void): () => void {
  const listener = (event: { Records: EmulatorRecord[] }) => {
    const records = event.Records.filter((r) => r.s3.object.key.startsWith(CHUNK_PREFIX)).map((r) => ({
      ...r,
      eventName: r.eventName,
      s3: { ...r.s3, object: { ...r.s3.object, key: encodeEventKey(r.s3.object.key) } },
    }));
    if (records.length === 0) return;
    sendMessage(sqs, queueUrl, JSON.stringify({ Records: records })).catch(onError);
  };
  events.on('event', listener);
  return () => events.off('event', listener);
}
