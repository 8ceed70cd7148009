import { gcCutoff, type HostPort } from '../../../core/sessions';
import { memcachedStats, scanKeys, type KeyScan } from './memcached-sessions';
import { dbNow, mysqlStatus, type MysqlStatus, type SessionTable } from './mysql-sessions';

export interface SessionsStatus {
  now: number;
  mysql?: MysqlStatus & { expired: number };
  memcached?: {
    /** From `stats`: every item, sessions or not. */
    items: number;
    bytes: number;
    limitBytes: number;
    evictions: number;
    /** Keys under the session prefix, from `lru_crawler metadump` (undefined if skipped). */
    sessions?: KeyScan;
  };
}

export interface StatusOptions {
  table?: SessionTable;
  memcached?: HostPort;
  prefix: string;
  lifetime: number;
  /** Walk memcached's keys for the session count (default true). */
  scan?: boolean;
}

export async function sessionsStatus(opts: StatusOptions): Promise<SessionsStatus> {
  let now = Math.floor(Date.now() / 1000);
  const out: SessionsStatus = { now };
  if (opts.table) {
    now = out.now = await dbNow(opts.table.conn);
    const m = await mysqlStatus(opts.table, gcCutoff(opts.lifetime, now));
    out.mysql = { ...m, expired: m.sessions - m.live };
  }
  if (opts.memcached) {
    const stats = await memcachedStats(opts.memcached);
    out.memcached = {
      items: Number(stats.curr_items ?? 0),
      bytes: Number(stats.bytes ?? 0),
      limitBytes: Number(stats.limit_maxbytes ?? 0),
      evictions: Number(stats.evictions ?? 0),
      ...(opts.scan === false ? {} : { sessions: await scanKeys(opts.memcached, opts.prefix) }),
    };
  }
  return out;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

function age(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

/** The lines `shelfstack sessions status` prints. */
export function formatStatus(s: SessionsStatus, lifetime: number): string[] {
  const lines: string[] = [];
  if (s.mysql) {
    const oldest = s.mysql.oldestAccess === undefined ? 'none' : `written ${age(s.now - s.mysql.oldestAccess)} ago`;
    lines.push(`mysql: ${s.mysql.sessions} sessions (${s.mysql.live} live, ${s.mysql.expired} expired), ${mb(s.mysql.bytes)} of data; oldest ${oldest}`);
  }
  if (s.memcached) {
    const m = s.memcached;
    const of = m.limitBytes ? ` of ${mb(m.limitBytes)}` : '';
    let sessions = 'sessions not counted (--no-scan)';
    if (m.sessions) {
      const oldest = m.sessions.soonestExpiry === undefined
        ? 'none'
        : `written about ${age(Math.max(0, s.now - (m.sessions.soonestExpiry - lifetime)))} ago (expires in ${age(Math.max(0, m.sessions.soonestExpiry - s.now))})`;
      sessions = `${m.sessions.keys} sessions, ${mb(m.sessions.bytes)} as items; oldest ${oldest}`;
    }
    lines.push(`memcached: ${sessions}; ${m.items} items, ${mb(m.bytes)}${of} in use, ${m.evictions} evictions`);
  }
  return lines;
}
