import { ValidationError } from './errors';
import { decodeEventKey, tryParseChunkKey } from './keys';
import { parseJson } from './validate';

/** What one SQS message from the uploads queue asks the listing to do. */
export type UploadNotice =
  | { kind: 'test' }
  | { kind: 'books'; books: string[]; ignoredKeys: string[]; changedKeys: ChangedKey[] };

export interface ChangedKey {
  key: string;
  book: string;
  file: string;
  event: 'created' | 'removed';
}

interface S3Record {
  eventSource?: unknown;
  eventName?: unknown;
  s3?: { bucket?: { name?: unknown }; object?: { key?: unknown } };
}

/**
 * Parses the body of a message that S3 sent to SQS: either `s3:TestEvent` or `{Records: [...]}`.
 * Keys arrive URL-encoded; keys outside `audiobooks/` are ignored (the control plane's own writes
 * never trigger it). Anything else is malformed and throws, so the message ends in the DLQ.
 */
export function parseUploadNotice(body: string): UploadNotice {
  const raw = parseJson(body, 'message body');
  if (typeof raw !== 'object' || raw === null) throw new ValidationError('message body is not an object');
  const obj = raw as { Event?: unknown; Records?: unknown };
  if (obj.Event === 's3:TestEvent') return { kind: 'test' };
  if (!Array.isArray(obj.Records) || obj.Records.length === 0) {
    throw new ValidationError('message body has no Records');
  }
  const books = new Set<string>();
  const ignoredKeys: string[] = [];
  const changedKeys: ChangedKey[] = [];
  obj.Records.forEach((r: S3Record, i: number) => {
    if (r?.eventSource !== 'aws:s3' || typeof r.eventName !== 'string') {
      throw new ValidationError(`record ${i} is not an S3 event`);
    }
    const encoded = r.s3?.object?.key;
    if (typeof encoded !== 'string' || encoded === '') throw new ValidationError(`record ${i} has no object key`);
    const key = decodeEventKey(encoded);
    const chunk = tryParseChunkKey(key);
    if (!chunk) {
      ignoredKeys.push(key);
      return;
    }
    books.add(chunk.book);
    const event = r.eventName.startsWith('ObjectRemoved') ? 'removed' : 'created';
    changedKeys.push({ key, book: chunk.book, file: chunk.file, event });
  });
  return { kind: 'books', books: [...books], ignoredKeys, changedKeys };
}
