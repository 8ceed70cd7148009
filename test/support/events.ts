import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { encodeEventKey } from '../../core/keys';

/** A sample event from events/, parsed. */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(path.join(__dirname, '../../events', name), 'utf8')) as T;
}

/** The body S3 sends to SQS for one key, built from the real-shaped samples, key URL-encoded as S3 does. */
export function s3Notification(kind: 'put' | 'delete', key: string, bucket = 'shelfstack-test'): string {
  const event = fixture<{ Records: { s3: { bucket: { name: string; arn: string }; object: { key: string } } }[] }>(
    kind === 'put' ? 's3-put-encoded-key.json' : 's3-delete.json',
  );
  const record = event.Records[0]!;
  record.s3.bucket.name = bucket;
  record.s3.bucket.arn = `arn:aws:s3:::${bucket}`;
  record.s3.object.key = encodeEventKey(key);
  return JSON.stringify(event);
}

let seq = 0;

/** An SQS batch in the shape Lambda delivers it, one record per body. */
export function sqsBatch(bodies: string[], receiveCount = 1): SQSEvent {
  const template = fixture<SQSEvent>('sqs-batch-s3.json').Records[0]!;
  return {
    Records: bodies.map(
      (body): SQSRecord => ({
        ...template,
        messageId: `msg-${++seq}`,
        receiptHandle: `rh-${seq}`,
        body,
        attributes: { ...template.attributes, ApproximateReceiveCount: String(receiveCount) },
      }),
    ),
  };
}
