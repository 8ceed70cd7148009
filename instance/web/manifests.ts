import type { S3Client } from '@aws-sdk/client-s3';
import { formatManifestKey, type ChunkRef } from '../../core/keys';
import { parseManifest, type ManifestChunk } from '../../core/manifest';
import { getText } from '../../cloud/s3';
import { ManifestError, NotFoundError, OriginError } from './errors';

/**
 * The manifests a web server needs for size, ETag and dates, read from S3 (`listing/<book>.json`)
 * and kept briefly in memory: a burst of downloads of one book costs one GET, and a changed
 * manifest is seen within `ttlMs`. Concurrent lookups of one book share one GET.
 */
export interface ManifestStoreOptions {
  s3: S3Client;
  bucket: string;
  ttlMs?: number;
  maxBooks?: number;
  now?: () => number;
}

interface Entry {
  at: number;
  chunks: Promise<Map<string, ManifestChunk> | undefined>;
}

export class ManifestStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: ManifestStoreOptions) {}

  /** The chunk's manifest entry; NotFoundError when S3 has no such chunk in the book's manifest. */
  async chunk(ref: ChunkRef): Promise<ManifestChunk> {
    const chunk = (await this.book(ref.book))?.get(ref.file);
    if (!chunk) throw new NotFoundError(`not in the manifest: ${ref.book}/${ref.file}`);
    return chunk;
  }

  forget(book: string): void {
    this.entries.delete(book);
  }

  private book(book: string): Promise<Map<string, ManifestChunk> | undefined> {
    const now = (this.opts.now ?? Date.now)();
    const hit = this.entries.get(book);
    if (hit && now - hit.at < (this.opts.ttlMs ?? 10_000)) {
      // Map order is the LRU order: a used entry moves to the back.
      this.entries.delete(book);
      this.entries.set(book, hit);
      return hit.chunks;
    }
    const chunks = this.fetch(book);
    this.entries.set(book, { at: now, chunks });
    // S3 trouble is asked again at the next request; a broken manifest is kept like a good one, for ttlMs.
    chunks.catch((e: unknown) => !(e instanceof ManifestError) && this.entries.get(book)?.chunks === chunks && this.entries.delete(book));
    while (this.entries.size > (this.opts.maxBooks ?? 1000)) this.entries.delete(this.entries.keys().next().value!);
    return chunks;
  }

  private async fetch(book: string): Promise<Map<string, ManifestChunk> | undefined> {
    let obj;
    try {
      obj = await getText(this.opts.s3, this.opts.bucket, formatManifestKey(book));
    } catch (e: unknown) {
      throw new OriginError(`manifest of ${book} unreadable: ${(e as Error).message}`, true, { cause: e });
    }
    if (!obj) return undefined;
    let chunks: ManifestChunk[];
    try {
      chunks = parseManifest(obj.text, book).chunks;
    } catch (e: unknown) {
      // Only the control plane writes manifests: a broken one is ours to mend, and the link stays good.
      throw new ManifestError(book, `manifest of ${book} is broken: ${(e as Error).message}`, { cause: e });
    }
    return new Map(chunks.map((c) => [c.file, c]));
  }
}
