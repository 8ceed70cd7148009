import type memjs from 'memjs';
import { catchUpSince, memcachedExpiry, sessionKey } from '../../../core/sessions';
import type { Progress } from '../../progress';
import { CheckpointError, readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint';
import { MemcachedError } from './memcached-sessions';
import { countSince, dbNow, readPage, type SessionRow, type SessionTable } from './mysql-sessions';

export interface MigrateOptions {
  table: SessionTable;
  /** Not needed for a dry run. */
  memcached?: memjs.Client;
  prefix: string;
  lifetime: number;
  /** Names the table and memcached (no secret), to match a checkpoint against. */
  target: string;
  batch?: number;
  dryRun?: boolean;
  /** memcached `add` instead of `set`: a session memcached already holds is left as it is. */
  keepExisting?: boolean;
  /** Only sessions written at or after this Unix time. */
  since?: number;
  /** Start after this id (a manual resume); otherwise the checkpoint's, if any. */
  from?: string;
  checkpointFile?: string;
  /** Ignore (and overwrite) a checkpoint left by an earlier run. */
  restart?: boolean;
  progress: Progress;
}

export interface MigrateSummary {
  copied: number;
  bytes: number;
  /** Written during the migration, copied again by the final pass. */
  copiedAgain: number;
  /** memcached already held them (--keep-existing). */
  kept: number;
  /** Ids memcached cannot hold as keys (too long, spaces). */
  invalid: number;
  /** Expired between the read and the write. */
  expired: number;
  failed: number;
  /** Why, counted (never a session id: ids are credentials). */
  failures: Record<string, number>;
  startedAt: number;
  /** When the final pass began: `--since` for a run after the switch. */
  finalPassAt: number;
  resumedAfter?: string;
}

/** A server's own answer to one write (too large, out of memory): that session failed, the run goes on. */
const PER_ITEM = /^MemJS (SET|ADD): /;

/**
 * Copies every live session into memcached under the key php-memcached reads, with the lifetime it
 * has left. Pages of `batch` rows in id order (the next page is read while the current one is
 * written, pipelined on one connection); after each page the checkpoint records the last id, so a
 * rerun resumes there. Then a final pass copies again every session written since the start.
 * Never writes to MySQL.
 */
export async function migrateSessions(opts: MigrateOptions): Promise<MigrateSummary> {
  const batch = opts.batch ?? 1000;
  const conn = opts.table.conn;
  // The database's clock, followed locally: expiries are counted from the clock that stamps `access`.
  const offset = (await dbNow(conn)) - Date.now() / 1000;
  const now = () => Math.floor(Date.now() / 1000 + offset);

  let cp = await startingPoint(opts, now());
  const summary: MigrateSummary = {
    copied: cp.copied, bytes: cp.bytes, copiedAgain: 0, kept: 0, invalid: 0, expired: 0, failed: 0, failures: {},
    startedAt: cp.startedAt, finalPassAt: 0, ...(cp.lastId !== undefined ? { resumedAfter: cp.lastId } : {}),
  };
  const save = async (next: Partial<Checkpoint>) => {
    cp = { ...cp, ...next, copied: summary.copied, bytes: summary.bytes };
    if (opts.checkpointFile && !opts.dryRun) await writeCheckpoint(opts.checkpointFile, cp);
  };

  // A row the final pass meets again is counted once.
  const invalid = new Set<string>();
  const failed = new Set<string>();
  const copyRows = async (rows: SessionRow[], again: boolean) => {
    const at = now();
    const writes: Promise<void>[] = [];
    for (const row of rows) {
      const key = sessionKey(opts.prefix, row.id);
      const expires = memcachedExpiry(row.access, opts.lifetime, at);
      if (key === undefined) invalid.add(row.id);
      else if (expires === undefined) summary.expired++;
      else writes.push(write(row.id, key, row.data, expires, again));
    }
    const results = await Promise.allSettled(writes);
    summary.invalid = invalid.size;
    const broken = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (broken) throw broken.reason;
  };

  const write = async (id: string, key: string, data: Buffer, expires: number, again: boolean) => {
    let stored = true;
    if (!opts.dryRun) {
      try {
        stored = opts.keepExisting ? await opts.memcached!.add(key, data, { expires }) : await opts.memcached!.set(key, data, { expires });
      } catch (e: unknown) {
        const message = e instanceof Error ? e.message : String(e);
        if (!PER_ITEM.test(message)) throw new MemcachedError(`memcached: ${message}`, { cause: e });
        const reason = message.replace(PER_ITEM, '');
        if (!failed.has(id)) summary.failures[reason] = (summary.failures[reason] ?? 0) + 1;
        failed.add(id);
        summary.failed = failed.size;
        return;
      }
    }
    if (!stored) summary.kept++;
    else if (again) summary.copiedAgain++;
    else {
      summary.copied++;
      summary.bytes += data.length;
    }
  };

  // Two pages in flight: one page's writes go out while the previous page's last answers come back
  // (a barrier per page would drain memcached's pipeline 100 times for 100,000 sessions); a page is
  // checkpointed once it and every page before it are wholly written.
  const pass = async (after: string | undefined, floor: () => number, again: boolean, onPage: (lastId: string) => Promise<void>) => {
    let next = readPage(opts.table, after, floor(), batch);
    let previous: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        const rows = await next;
        if (rows.length === 0) break;
        const lastId = rows[rows.length - 1]!.id;
        next = rows.length < batch ? Promise.resolve([]) : readPage(opts.table, lastId, floor(), batch);
        const written = copyRows(rows, again);
        const before = previous;
        previous = Promise.all([before, written]).then(async () => {
          await onPage(lastId);
          opts.progress.tick(rows.length);
        });
        previous.catch(() => undefined); // awaited below; not unhandled meanwhile
        await before;
      }
      await previous;
    } finally {
      await next.catch(() => undefined);
    }
  };

  // Live sessions: `access` above now − lifetime (and at or after --since).
  const live = () => Math.max(now() - opts.lifetime, (opts.since ?? 0) - 1);
  if (cp.phase === 'copy') {
    opts.progress.total(summary.copied + (await countSince(opts.table, live())));
    if (summary.copied) opts.progress.tick(summary.copied); // a resumed run starts where the last one stopped
    await pass(cp.lastId, live, false, (lastId) => save({ lastId }));
    await save({ phase: 'catch-up', lastId: undefined });
  }
  // The final pass: every session written since the migration began (give or take clock skew).
  summary.finalPassAt = now();
  const since = catchUpSince(cp.startedAt);
  await pass(undefined, () => Math.max(live(), since - 1), true, async () => undefined);
  await save({ phase: 'done' });
  opts.progress.done();
  return summary;
}

async function startingPoint(opts: MigrateOptions, now: number): Promise<Checkpoint> {
  const fresh: Checkpoint = { version: 1, target: opts.target, startedAt: now, phase: 'copy', copied: 0, bytes: 0 };
  if (opts.from !== undefined) return { ...fresh, lastId: opts.from };
  // A dry run neither resumes nor records: its counts are always the whole table's.
  if (!opts.checkpointFile || opts.restart || opts.dryRun) return fresh;
  const cp = await readCheckpoint(opts.checkpointFile);
  if (!cp || cp.phase === 'done') return fresh;
  if (cp.target !== opts.target) {
    throw new CheckpointError(`${opts.checkpointFile} belongs to a migration to another place (${cp.target}); pass --restart to start over`);
  }
  return cp;
}
