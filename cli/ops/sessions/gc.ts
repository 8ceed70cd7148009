import mysql from 'mysql2/promise';
import { gcCutoff } from '../../../core/sessions';
import type { Progress } from '../../progress';
import { dbNow, type SessionTable } from './mysql-sessions';

export interface GcOptions {
  table: SessionTable;
  lifetime: number;
  /** Rows per DELETE (default 500): each statement locks at most this many rows, briefly. */
  batch?: number;
  /** A pause between batches, so writers always get a turn (default 0). */
  pauseMs?: number;
  dryRun?: boolean;
  progress: Progress;
}

export interface GcSummary {
  deleted: number;
  /** Expired when found, written again before their DELETE: kept. */
  refreshed: number;
  batches: number;
  cutoff: number;
}

/**
 * Deletes the expired sessions a small batch at a time. Each batch finds its ids with a plain
 * (non-locking) read, walking the primary key from where the last batch ended, then deletes
 * exactly those rows by primary key, checking `access` again: a statement locks only the rows it
 * deletes (no range or table scan under lock, with or without an index on `access`), and a session
 * written since it was found is left alone.
 */
export async function collectGarbage(opts: GcOptions): Promise<GcSummary> {
  const { conn, table, columns } = opts.table;
  const batch = opts.batch ?? 500;
  const cutoff = gcCutoff(opts.lifetime, await dbNow(conn));
  const [id, access, tbl] = [mysql.escapeId(columns.id), mysql.escapeId(columns.access), mysql.escapeId(table)];
  const summary: GcSummary = { deleted: 0, refreshed: 0, batches: 0, cutoff };
  let after: string | undefined;
  for (;;) {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT ${id} AS id FROM ${tbl} WHERE ${access} < ?${after === undefined ? '' : ` AND ${id} > ?`} ORDER BY ${id} LIMIT ?`,
      after === undefined ? [cutoff, batch] : [cutoff, after, batch],
    );
    if (rows.length === 0) break;
    const ids = rows.map((r) => String(r.id));
    after = ids[ids.length - 1];
    summary.batches++;
    if (opts.dryRun) {
      summary.deleted += ids.length;
    } else {
      const [res] = await conn.query<mysql.ResultSetHeader>(`DELETE FROM ${tbl} WHERE ${id} IN (?) AND ${access} < ?`, [ids, cutoff]);
      summary.deleted += res.affectedRows;
      summary.refreshed += ids.length - res.affectedRows;
    }
    opts.progress.tick(ids.length);
    if (rows.length < batch) break;
    if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
  }
  opts.progress.done();
  return summary;
}
