/**
 * The seam between the signals agent and a web server's download cache: the agent calls these
 * on `sweep` and `invalidate` signals; the download tier's cache implements them.
 */
export interface SweepResult {
  removedFiles: number;
  freedBytes: number;
  cacheBytes: number;
}

export interface CacheControl {
  /** Runs the sweeper now: age limit first, then least recently used until under the byte budget. */
  sweep(): Promise<SweepResult>;
  /** Drops the cached copy of one chunk (no-op when not cached); true when something was removed. */
  invalidate(book: string, file: string): Promise<boolean>;
}
