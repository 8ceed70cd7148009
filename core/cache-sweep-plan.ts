/**
 * Which cached chunks the sweeper removes: first every chunk not read for `maxAgeMs`, then the
 * least recently read until the rest fits in `maxBytes`. Pure; the sweeper does the I/O.
 */
export interface CachedFile {
  path: string;
  size: number;
  /** Epoch milliseconds of the last read (or of the fill, for a chunk never read since). */
  lastRead: number;
}

export interface SweepLimits {
  maxBytes: number;
  maxAgeMs: number;
  now: number;
}

export interface SweepPlan {
  remove: CachedFile[];
  keptBytes: number;
}

export function planSweep(files: readonly CachedFile[], limits: SweepLimits): SweepPlan {
  const remove: CachedFile[] = [];
  const kept: CachedFile[] = [];
  for (const f of files) (limits.now - f.lastRead > limits.maxAgeMs ? remove : kept).push(f);
  // Oldest read first; ties go by path so two sweeps of the same cache agree.
  kept.sort((a, b) => a.lastRead - b.lastRead || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let keptBytes = kept.reduce((sum, f) => sum + f.size, 0);
  let i = 0;
  while (keptBytes > limits.maxBytes && i < kept.length) {
    const f = kept[i++]!;
    remove.push(f);
    keptBytes -= f.size;
  }
  return { remove, keptBytes };
}
