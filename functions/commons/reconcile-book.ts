import type { S3Client } from '@aws-sdk/client-s3';
import { bookPrefix, formatManifestKey } from '../../core/keys';
import { buildManifest, serializeManifest } from '../../core/manifest';
import { deleteKey, getText, isPreconditionFailed, listAll, putTextConditional } from '../../cloud/s3';

export type BookOutcome = 'written' | 'deleted' | 'unchanged';

export interface BookResult {
  book: string;
  outcome: BookOutcome;
  chunks: number;
}

const MAX_ATTEMPTS = 4;

/**
 * Makes `listing/<book>.json` match what is under `audiobooks/<book>/` now, whatever event
 * brought us here. The write is conditional on the manifest we read, so an older run that lost a
 * race re-reads the truth instead of overwriting a newer manifest.
 */
export async function reconcileBook(s3: S3Client, bucket: string, book: string): Promise<BookResult> {
  const key = formatManifestKey(book);
  for (let attempt = 1; ; attempt++) {
    const objects = await listAll(s3, bucket, bookPrefix(book));
    const manifest = buildManifest(book, objects);
    const current = await getText(s3, bucket, key);
    try {
      if (!manifest) {
        if (!current) return { book, outcome: 'unchanged', chunks: 0 };
        await deleteKey(s3, bucket, key);
        return { book, outcome: 'deleted', chunks: 0 };
      }
      const text = serializeManifest(manifest);
      if (current?.text === text) return { book, outcome: 'unchanged', chunks: manifest.chunks.length };
      await putTextConditional(s3, bucket, key, text, current ? current.etag : null);
      return { book, outcome: 'written', chunks: manifest.chunks.length };
    } catch (e: unknown) {
      if (!isPreconditionFailed(e) || attempt >= MAX_ATTEMPTS) throw e;
    }
  }
}
