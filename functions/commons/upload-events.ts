import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { S3Schema, SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas';
import { z } from 'zod';
import { decodeEventKey, tryParseChunkKey } from '../../core/keys';

/**
 * The uploads queue's messages, parsed with Powertools' SQS and S3 notification schemas. Only the
 * fields the listing reads are required (picked from those schemas), so a notification that AWS
 * shapes a little differently (an IPv6 `sourceIPAddress`, which Powertools' S3 schema refuses) or
 * the rehearsal forwards from s3rver is still read; anything without them is malformed.
 */
export const UploadBatchSchema = z.object({ Records: z.array(z.unknown()) });

/** A record that can be reported: without a messageId Lambda would fail the whole batch for it. */
export const UploadRecordSchema = SqsRecordSchema.pick({ messageId: true }).extend({
  messageId: z.string().min(1),
  body: z.unknown(),
  attributes: SqsRecordSchema.shape.attributes.pick({ ApproximateReceiveCount: true }).partial().optional(),
});
export type UploadRecord = z.infer<typeof UploadRecordSchema>;

const S3Record = S3Schema.shape.Records.element;
// Real S3 URL-encodes keys in notifications (`+` for a space, `%2B` for a plus); Powertools keeps them as sent.
const DecodedKey = z.string().min(1).transform((key, ctx) => {
  try {
    return decodeEventKey(key);
  } catch (e: unknown) {
    ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
    return z.NEVER;
  }
});
const ObjectRecord = S3Record.pick({ eventSource: true, eventName: true }).extend({
  s3: z.object({ object: S3Record.shape.s3.shape.object.pick({ key: true }).extend({ key: DecodedKey }) }),
});
/** S3 sends one `s3:TestEvent` when the notification is configured: no Records. */
const TestEvent = z.object({ Event: z.literal('s3:TestEvent') });

export const UploadBodySchema = JSONStringified(z.union([TestEvent, S3Schema.extend({ Records: z.array(ObjectRecord).min(1) })]));

/** What one message asks the listing to do: nothing (a test event) or re-list some books. */
export type UploadNotice = { kind: 'test' } | { kind: 'books'; books: string[]; ignoredKeys: string[] };

export function noticeOf(body: z.infer<typeof UploadBodySchema>): UploadNotice {
  if ('Event' in body) return { kind: 'test' };
  const books = new Set<string>();
  const ignoredKeys: string[] = [];
  for (const r of body.Records) {
    const chunk = tryParseChunkKey(r.s3.object.key);
    if (chunk) books.add(chunk.book);
    else ignoredKeys.push(r.s3.object.key);
  }
  return { kind: 'books', books: [...books], ignoredKeys };
}
