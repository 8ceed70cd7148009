import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { CacheControl, SweepResult } from '../cache-control';
import type { ChunkRef } from '../../core/keys';
import type { ManifestChunk } from '../../core/manifest';
import type { Logger } from '../logger';
import { Fill } from './fill';
import type { ByteRange } from './http-ranges';
import type { ManifestStore } from './manifests';
import type { WebMetrics } from './metrics';
import type { Origin } from './origin';
import { fileReader, fillReader, sendVerified, type ChunkReader } from './chunk-readers';
import { Sweeper } from './sweeper';
import { openTempFile, type OpenTempFile } from './temp-file';

/**
 * The read-through disk cache. Whole chunks live at `<dir>/chunks/<book>/<etag>/<file>`, so a
 * chunk whose ETag changed in the manifest is simply not there and is fetched again; fills
 * write `<dir>/tmp/<random>.part` and rename in (same filesystem, so the rename is atomic).
 */
export interface DiskCacheOptions {
  dir: string;
  maxBytes: number;
  maxAgeSeconds: number;
  origin: Origin;
  manifests?: ManifestStore;
  metrics: WebMetrics;
  logger: Logger;
  openTemp?: OpenTempFile;
  sweepIntervalMs?: number;
}


export class DiskCache implements CacheControl {
  readonly chunksDir: string;
  readonly tempDir: string;
  private readonly fills = new Map<string, Fill>();
  private readonly sweeper: Sweeper;

  constructor(private readonly opts: DiskCacheOptions) {
    this.chunksDir = path.join(opts.dir, 'chunks');
    this.tempDir = path.join(opts.dir, 'tmp');
    this.sweeper = new Sweeper({
      chunksDir: this.chunksDir,
      tempDir: this.tempDir,
      maxBytes: opts.maxBytes,
      maxAgeSeconds: opts.maxAgeSeconds,
      logger: opts.logger,
      metrics: opts.metrics,
    });
  }

  async start(): Promise<void> {
    await this.sweeper.start(this.opts.sweepIntervalMs ?? 60_000);
    await mkdir(this.tempDir, { recursive: true });
    await mkdir(this.chunksDir, { recursive: true });
  }

  /** Stops the sweeper's timer and waits for the fills in progress (a fill outlives its customers). */
  async stop(): Promise<void> {
    this.sweeper.stop();
    await Promise.allSettled([...this.fills.values()].map((f) => f.done));
  }

  sweep(): Promise<SweepResult> {
    return this.sweeper.sweep();
  }

  async invalidate(book: string, file: string): Promise<boolean> {
    this.opts.manifests?.forget(book);
    const bookDir = path.join(this.chunksDir, book);
    let removed = 0;
    for (const etag of await readdir(bookDir).catch(() => [] as string[])) {
      await unlink(path.join(bookDir, etag, file)).then(
        () => removed++,
        () => undefined,
      );
    }
    this.opts.metrics.cacheEvictions.inc(removed);
    return removed > 0;
  }

  /** The path of a whole cached chunk. */
  chunkPath(ref: ChunkRef, chunk: ManifestChunk): string {
    const etagDir = /^[A-Za-z0-9_-]{1,100}$/.test(chunk.etag) ? chunk.etag : createHash('sha256').update(chunk.etag).digest('hex');
    return path.join(this.chunksDir, ref.book, etagDir, ref.file);
  }

  /**
   * For the X-Accel-Redirect/X-Sendfile hand-off: the cached chunk's path, counted and touched
   * as a hit, or undefined on a miss (which Node then serves itself).
   */
  async claimHit(ref: ChunkRef, chunk: ManifestChunk): Promise<string | undefined> {
    const finalPath = this.chunkPath(ref, chunk);
    const cached = await stat(finalPath).catch(() => undefined);
    if (cached?.size !== chunk.size) return undefined;
    this.opts.metrics.cacheHits.inc();
    await utimes(finalPath, new Date(), cached.mtime).catch(() => undefined);
    return finalPath;
  }

  async open(ref: ChunkRef, chunk: ManifestChunk, range: ByteRange): Promise<ChunkReader> {
    const finalPath = this.chunkPath(ref, chunk);
    const cached = await stat(finalPath).catch(() => undefined);
    if (cached?.size === chunk.size) {
      this.opts.metrics.cacheHits.inc();
      // The sweeper's LRU order is the atime; set it explicitly, as relatime would not.
      const now = new Date();
      await utimes(finalPath, now, cached.mtime).catch(() => undefined);
      return fileReader(finalPath, range);
    }
    this.opts.metrics.cacheMisses.inc();
    const fill = this.fills.get(finalPath) ?? this.startFill(ref, chunk, finalPath);
    // A range beyond what the fill has should not wait for it: ask S3 for just those bytes.
    // (S3 returns no checksum for a range: such bytes are checked for version and length only.)
    if (range.start > fill.readable()) return this.originReader(ref, chunk, range, false);
    await fill.ready;
    const whole = range.start === 0 && range.end === chunk.size - 1;
    // Without the disk, a whole chunk still comes verified: a whole GET of its own, checked as a fill is.
    if (fill.diskRefused && range.start >= fill.written) return this.originReader(ref, chunk, range, whole);
    return fillReader(fill, range, (rest) => this.originReader(ref, chunk, rest, whole));
  }

  /**
   * Straight from S3. `verified`: a whole GET whose bytes before `range.start` are read and
   * hashed but not sent, and whose last byte goes out only once the chunk passed its check (for
   * a response that ends at the chunk's end); else a ranged GET, checked for version and length.
   */
  private async originReader(ref: ChunkRef, chunk: ManifestChunk, range: ByteRange, verified: boolean): Promise<ChunkReader> {
    if (!verified || range.end !== chunk.size - 1) {
      const source = await this.opts.origin.open(ref, chunk, range);
      return {
        source: 'origin',
        async pipeTo(res, onBytes) {
          source.body.on('data', (d: Buffer) => onBytes(d.length));
          await pipeline(source.body, res);
        },
      };
    }
    const source = await this.opts.origin.open(ref, chunk);
    const digest = await this.opts.origin.digestFor(ref, chunk, source).catch((e: unknown) => {
      source.abort();
      throw e;
    });
    return { source: 'origin', pipeTo: (res, onBytes) => sendVerified(source, digest, range.start, chunk.size, res, onBytes) };
  }

  private startFill(ref: ChunkRef, chunk: ManifestChunk, finalPath: string): Fill {
    const tempPath = path.join(this.tempDir, `${randomBytes(8).toString('hex')}.part`);
    const started = performance.now();
    const fill = new Fill(ref, chunk, tempPath, (temp) => this.publish(temp, finalPath, new Date(chunk.lastModified)), {
      origin: this.opts.origin,
      openTemp: this.opts.openTemp ?? openTempFile,
    });
    this.fills.set(finalPath, fill);
    void fill.done.then((outcome) => {
      this.fills.delete(finalPath);
      const seconds = (performance.now() - started) / 1000;
      this.opts.metrics.cacheFills.inc({ result: outcome });
      this.opts.metrics.fillSeconds.observe({ result: outcome }, seconds);
      const reason = fill.error?.message;
      const log = { book: ref.book, file: ref.file, outcome, bytes: fill.written, seconds, ...(reason ? { reason } : {}) };
      if (outcome === 'cached') this.opts.logger.info(log, 'cache_filled');
      else this.opts.logger.warn(log, 'cache_fill_failed');
      if (outcome === 'cached') this.afterFill(chunk.size);
    });
    return fill;
  }

  private async publish(tempPath: string, finalPath: string, lastModified: Date): Promise<void> {
    // The file's mtime is the chunk's Last-Modified, so a web server in front (X-Accel-Redirect) sends the same date.
    await utimes(tempPath, new Date(), lastModified);
    for (let attempt = 0; ; attempt++) {
      await mkdir(path.dirname(finalPath), { recursive: true });
      try {
        await rename(tempPath, finalPath);
        return;
      } catch (e: unknown) {
        // The sweeper may remove an emptied folder between our mkdir and rename.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 2) throw e;
      }
    }
  }

  private afterFill(size: number): void {
    const gauge = this.opts.metrics.cacheBytes;
    void gauge.get().then(({ values }) => {
      const total = (values[0]?.value ?? 0) + size;
      gauge.set(total);
      if (total > this.opts.maxBytes) void this.sweep().catch(() => undefined);
    });
  }
}
