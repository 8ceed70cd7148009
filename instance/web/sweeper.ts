import { readdir, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { SweepResult } from '../cache-control';
import { planSweep, type CachedFile } from '../../core/cache-sweep-plan';
import type { Logger } from '../logger';
import type { WebMetrics } from './metrics';

/**
 * Keeps the cache directory under its byte budget and age limit, on a timer and on demand. It
 * only ever looks at whole chunks (`chunks/<book>/<etag>/<file>`): fills write under `tmp/`, so a
 * file being filled is never a candidate. The last read of a chunk is its atime, which the
 * cache sets on every hit (relatime alone would update it about once a day).
 */
export interface SweeperOptions {
  chunksDir: string;
  tempDir: string;
  maxBytes: number;
  maxAgeSeconds: number;
  logger: Logger;
  metrics: WebMetrics;
  now?: () => number;
}

export class Sweeper {
  private running: Promise<SweepResult> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SweeperOptions) {}

  /** Removes the temp files a crashed process left (no fill of this process has started yet), then sweeps every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    await rm(this.opts.tempDir, { recursive: true, force: true });
    await this.sweep();
    this.timer = setInterval(() => void this.sweep().catch((e: unknown) => this.opts.logger.error({ reason: (e as Error).message }, 'cache_sweep_failed')), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One sweep at a time; a request during a sweep runs one more sweep after it. */
  sweep(): Promise<SweepResult> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.sweepOnce().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.sweep().catch(() => undefined);
      }
    });
    return this.running;
  }

  private async sweepOnce(): Promise<SweepResult> {
    const files = await scanChunks(this.opts.chunksDir);
    const now = (this.opts.now ?? Date.now)();
    const plan = planSweep(files, { maxBytes: this.opts.maxBytes, maxAgeMs: this.opts.maxAgeSeconds * 1000, now });
    let freedBytes = 0;
    let removedFiles = 0;
    for (const f of plan.remove) {
      try {
        await unlink(f.path);
      } catch (e: unknown) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      removedFiles++;
      freedBytes += f.size;
      // An emptied etag folder, then book folder, goes too; a fill racing us re-creates it.
      await rmdir(path.dirname(f.path)).catch(() => undefined);
      await rmdir(path.dirname(path.dirname(f.path))).catch(() => undefined);
    }
    this.opts.metrics.cacheEvictions.inc(removedFiles);
    this.opts.metrics.cacheBytes.set(plan.keptBytes);
    if (removedFiles) this.opts.logger.info({ removed_files: removedFiles, freed_bytes: freedBytes, cache_bytes: plan.keptBytes }, 'cache_swept');
    return { removedFiles, freedBytes, cacheBytes: plan.keptBytes };
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
}

/** Every whole chunk in the cache with its size and last read. */
export async function scanChunks(chunksDir: string): Promise<CachedFile[]> {
  const out: CachedFile[] = [];
  for (const book of await entries(chunksDir)) {
    for (const etag of await entries(path.join(chunksDir, book))) {
      for (const file of await entries(path.join(chunksDir, book, etag))) {
        const p = path.join(chunksDir, book, etag, file);
        const s = await stat(p).catch(() => undefined);
        if (s?.isFile()) out.push({ path: p, size: s.size, lastRead: s.atimeMs });
      }
    }
  }
  return out;
}
