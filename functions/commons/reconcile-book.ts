import type { S3Client } from '@aws-sdk/client-s3';
import { bookPrefix, formatManifestKey } from '../../core/keys';
import { buildManifest, serializeManifest } from '../../core/manifest';
import { deleteKey, getText, isNotFound, isPreconditionFailed, listAll, putTextConditional } from '../../cloud/s3';

export type BookOutcome = 'written' | 'deleted' | 'unchanged';

export interface BookResult {
  book: string;
  outcome: BookOutcome;
  chunks: number;
}

const MAX_ATTEMPTS = 4;

/**
 * Makes `listing/<book>.json` match what is under `audiobooks/<book>/` now, whatever event
 * brought us here. The manifest is read FIRST and the chunks listed after, and the write (or the
 * delete) is conditional on the manifest read: any run that wrote after our read makes ours fail
 * (412, or 404 when it deleted), so we start again from a fresh read. Listing first would not do:
 * a newer run could list, write, and leave us an ETag read after its write, matching, with our
 * older listing in hand.
 */
export async function reconcileBook(s3: S3Client, bucket: string, book: string): Promise<BookResult> {
  const key = formatManifestKey(book);
  for (let attempt = 1; ; attempt++) {
    const current = await getText(s3, bucket, key);
    const objects = await listAll(s3, bucket, bookPrefix(book));
    const manifest = buildManifest(book, objects);
    try {
      if (!manifest) {
        if (!current) return { book, outcome: 'unchanged', chunks: 0 };
        await deleteKey(s3, bucket, key, current.etag);
        return { book, outcome: 'deleted', chunks: 0 };
      }
      const text = serializeManifest(manifest);
      if (current?.text === text) return { book, outcome: 'unchanged', chunks: manifest.chunks.length };
      await putTextConditional(s3, bucket, key, text, current ? current.etag : null);
      return { book, outcome: 'written', chunks: manifest.chunks.length };
    } catch (e: unknown) {
      // 412: someone wrote since our read; 404 (If-Match on a key deleted since): same, read again.
      if (!(isPreconditionFailed(e) || isNotFound(e)) || attempt >= MAX_ATTEMPTS) throw e;
    }
  }
}
