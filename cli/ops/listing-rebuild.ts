import type { S3Client } from '@aws-sdk/client-s3';
import { CHUNK_PREFIX, formatManifestKey, MANIFEST_PREFIX, parseManifestKey, tryParseChunkKey } from '../../core/keys';
import { bareEtag, buildManifest, plainPutEtag, serializeManifest, type ListedObject } from '../../core/manifest';
import { deleteKey, isPreconditionFailed, listPages, putTextConditional } from '../../cloud/s3';
import { reconcileBook } from '../../functions/commons/reconcile-book';
import { countOf } from '../plural';
import { noProgress, type Progress } from '../progress';

export interface RebuildSummary {
  books: number;
  chunks: number;
  written: number;
  deleted: number;
  unchanged: number;
  /** Keys under audiobooks/ that are not chunks (no book folder, bad book code, ...). */
  skippedKeys: number;
  seconds: number;
}

export interface RebuildOptions {
  s3: S3Client;
  bucket: string;
  concurrency?: number;
  dryRun?: boolean;
  progress?: Progress;
  /** Keys per LIST page (S3's maximum, 1000, unless a test wants many pages). */
  pageSize?: number;
}

/**
 * Regenerates every manifest from one walk of audiobooks/ and one of listing/. Keys come back in
 * order, so each book's chunks arrive together and its manifest is settled as soon as the walk
 * moves past it. An unchanged manifest is recognised by its ETag (the MD5 of what we would write)
 * and costs no request; a changed one is written conditionally, and a lost race re-reads the book.
 */
export async function rebuildListing(opts: RebuildOptions): Promise<RebuildSummary> {
  const started = Date.now();
  const { s3, bucket } = opts;
  const progress = opts.progress ?? noProgress;
  const limit = opts.concurrency ?? 16;
  const summary: RebuildSummary = { books: 0, chunks: 0, written: 0, deleted: 0, unchanged: 0, skippedKeys: 0, seconds: 0 };

  const existing = new Map<string, string>();
  const manifestsListed = (async () => {
    for await (const page of listPages(s3, bucket, MANIFEST_PREFIX, { pageSize: opts.pageSize })) {
      for (const o of page) {
        try {
          existing.set(parseManifestKey(o.key), bareEtag(o.etag));
        } catch {
          // Not a manifest key: not ours to judge here.
        }
      }
    }
  })();
  // Awaited below; when the chunk walk fails first, its own failure is the one reported.
  manifestsListed.catch(() => undefined);

  const inFlight = new Set<Promise<void>>();
  const failures: Error[] = [];
  const settle = async (book: string, objects: ListedObject[]) => {
    await manifestsListed;
    // Every object here parsed as a chunk of this book, so the book has a manifest.
    const manifest = buildManifest(book, objects)!;
    const text = serializeManifest(manifest);
    const current = existing.get(book);
    existing.delete(book);
    summary.books++;
    summary.chunks += manifest.chunks.length;
    if (current === plainPutEtag(text)) {
      summary.unchanged++;
    } else if (opts.dryRun) {
      summary.written++;
    } else {
      try {
        await putTextConditional(s3, bucket, formatManifestKey(book), text, current === undefined ? null : `"${current}"`);
        summary.written++;
      } catch (e: unknown) {
        if (!isPreconditionFailed(e)) throw e;
        const result = await reconcileBook(s3, bucket, book);
        summary[result.outcome === 'unchanged' ? 'unchanged' : 'written']++;
      }
    }
    progress.tick(1, book);
  };
  const schedule = async (book: string, objects: ListedObject[]) => {
    while (inFlight.size >= limit) await Promise.race(inFlight);
    const p = settle(book, objects).catch((e: unknown) => {
      failures.push(e as Error);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  let book: string | undefined;
  let objects: ListedObject[] = [];
  for await (const page of listPages(s3, bucket, CHUNK_PREFIX, { pageSize: opts.pageSize })) {
    for (const o of page) {
      const ref = tryParseChunkKey(o.key);
      if (!ref) {
        summary.skippedKeys++;
        continue;
      }
      if (ref.book !== book) {
        if (book !== undefined && objects.length) await schedule(book, objects);
        book = ref.book;
        objects = [];
      }
      objects.push(o);
    }
    if (failures.length) break;
  }
  if (book !== undefined && objects.length && !failures.length) await schedule(book, objects);
  await Promise.all(inFlight);
  await manifestsListed;
  if (failures.length) throw failures[0];

  // What is left had a manifest but no chunks any more.
  for (const stale of existing.keys()) {
    if (!opts.dryRun) await deleteKey(s3, bucket, formatManifestKey(stale));
    summary.deleted++;
    progress.tick(1, stale);
  }
  progress.done();
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

export function formatRebuildSummary(s: RebuildSummary, dryRun = false): string {
  const verb = dryRun ? 'would write' : 'written';
  const skipped = s.skippedKeys ? `, ${countOf(s.skippedKeys, 'key')} that are not chunks skipped` : '';
  return `listing rebuild: ${countOf(s.books, 'book')}, ${countOf(s.chunks, 'chunk')}; manifests ${verb} ${s.written}, deleted ${s.deleted}, unchanged ${s.unchanged}${skipped}; ${s.seconds.toFixed(1)}s`;
}
