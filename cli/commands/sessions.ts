import path from 'node:path';
import { loadConfig, type Env } from '../../core/config';
import { ConfigError } from '../../core/errors';
import { commandEnv, intFlag, parseCommandArgs, UsageError, type Command } from '../command';
import { createProgress, noProgress } from '../progress';
import { collectGarbage } from '../ops/sessions/gc';
import { memcachedClient, memcachedStats } from '../ops/sessions/memcached-sessions';
import { migrateSessions, type MigrateSummary } from '../ops/sessions/migrate';
import { checkTable, connectSessions, type SessionTable } from '../ops/sessions/mysql-sessions';
import { formatStatus, sessionsStatus } from '../ops/sessions/status';

const help = `usage: shelfstack sessions status [--no-scan]
       shelfstack sessions migrate [--dry-run] [--batch N] [--since UNIX] [--keep-existing]
                                   [--checkpoint FILE | --from ID] [--restart]
       shelfstack sessions gc [--dry-run] [--batch N] [--pause MS]

status   sessions, bytes and the oldest session in MySQL and in memcached (memcached's sessions
         are counted by walking its keys with lru_crawler metadump; --no-scan: stats only)
migrate  copies every live session from MySQL into memcached, under the key php-memcached reads
         (SHELFSTACK_SESSIONS_PREFIX + id) and with the lifetime it has left; in pages of --batch
         rows (default 1000), resumable from --checkpoint (default .shelfstack/sessions-migrate.json)
         or --from ID; then copies again what was written meanwhile. Never deletes from MySQL.
         --keep-existing writes only sessions memcached does not hold (for a run after the switch,
         with --since the time the last migration's final pass began).
gc       deletes expired rows (last write older than the lifetime), --batch rows (default 500) per
         DELETE, so no statement holds locks for long

Settings: SHELFSTACK_SESSIONS_MYSQL_URL (mysql://user[:password]@host[:port]/db; the password may
come from MYSQL_PWD), SHELFSTACK_SESSIONS_TABLE (sessions), SHELFSTACK_SESSIONS_COLUMNS
(id,data,access), SHELFSTACK_SESSIONS_LIFETIME (1440 s), SHELFSTACK_MEMCACHED
(cacheserver:11211), SHELFSTACK_SESSIONS_PREFIX (memc.sess.key.).`;

const FLAGS = {
  'dry-run': { type: 'boolean' },
  'no-scan': { type: 'boolean' },
  'keep-existing': { type: 'boolean' },
  restart: { type: 'boolean' },
  batch: { type: 'string' },
  since: { type: 'string' },
  pause: { type: 'string' },
  checkpoint: { type: 'string' },
  from: { type: 'string' },
} as const;

const ALLOWED: Record<string, (keyof typeof FLAGS)[]> = {
  status: ['no-scan'],
  migrate: ['dry-run', 'batch', 'since', 'keep-existing', 'checkpoint', 'from', 'restart'],
  gc: ['dry-run', 'batch', 'pause'],
};

function settings(env: Env) {
  return loadConfig(env, ['sessionsMysqlUrl', 'sessionsTable', 'sessionsColumns', 'sessionsLifetime', 'memcached', 'sessionsPrefix']);
}

async function openTable(env: Env, c: ReturnType<typeof settings>): Promise<SessionTable> {
  const conn = await connectSessions(c.sessionsMysqlUrl, env.MYSQL_PWD);
  const table = { conn, table: c.sessionsTable, columns: c.sessionsColumns };
  try {
    await checkTable(table);
  } catch (e: unknown) {
    await conn.end();
    throw e;
  }
  return table;
}

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, FLAGS);
    const [action, ...rest] = positionals;
    if (!action || !ALLOWED[action]) throw new UsageError(action ? `unknown action "${action}"` : 'which action: status, migrate or gc?');
    if (rest.length) throw new UsageError(`unexpected argument: ${rest[0]}`);
    const wrong = Object.keys(values).find((f) => f !== 'config' && !ALLOWED[action]!.includes(f as keyof typeof FLAGS));
    if (wrong) throw new UsageError(`--${wrong} does not apply to "${action}"`);
    if (values.checkpoint && values.from !== undefined) throw new UsageError('--checkpoint and --from are two ways to resume: give one');
    const env = commandEnv(values.config);
    const c = settings(env);
    const table = await openTable(env, c);
    try {
      if (action === 'status') {
        const status = await sessionsStatus({ table, memcached: c.memcached, prefix: c.sessionsPrefix, lifetime: c.sessionsLifetime, scan: !values['no-scan'] });
        for (const line of formatStatus(status, c.sessionsLifetime)) console.log(line);
        return 0;
      }
      if (action === 'gc') {
        const progress = values['dry-run'] ? noProgress : createProgress('sessions gc');
        const started = Date.now();
        const s = await collectGarbage({
          table, lifetime: c.sessionsLifetime, batch: intFlag(values.batch, 'batch', 500, 1, 10_000),
          pauseMs: intFlag(values.pause, 'pause', 0, 0, 60_000), dryRun: values['dry-run'], progress,
        });
        const verb = values['dry-run'] ? 'would delete' : 'deleted';
        console.log(`sessions gc: ${verb} ${s.deleted} expired sessions in ${s.batches} batches, ${s.refreshed} written meanwhile kept; ${secs(started)}`);
        return 0;
      }
      return await migrate(values, c, table);
    } finally {
      await table.conn.end();
    }
  },
};

async function migrate(values: Partial<Record<keyof typeof FLAGS, string | boolean>>, c: ReturnType<typeof settings>, table: SessionTable): Promise<number> {
  const since = values.since === undefined ? undefined : intFlag(values.since as string, 'since', 0, 0);
  const dryRun = values['dry-run'] === true;
  const memcached = dryRun ? undefined : memcachedClient(c.memcached);
  const db = c.sessionsMysqlUrl;
  const started = Date.now();
  try {
    if (memcached) await memcachedStats(c.memcached).catch((e: unknown) => {
      throw new ConfigError('SHELFSTACK_MEMCACHED', `does not answer (${e instanceof Error ? e.message : String(e)})`);
    });
    const progress = createProgress(dryRun ? 'sessions migrate (dry run)' : 'sessions migrate');
    const s = await migrateSessions({
      table, memcached, prefix: c.sessionsPrefix, lifetime: c.sessionsLifetime,
      target: `mysql://${db.host}:${db.port}/${db.database}/${table.table} -> ${c.memcached.host}:${c.memcached.port}/${c.sessionsPrefix}`,
      batch: intFlag(values.batch as string | undefined, 'batch', 1000, 1, 50_000), dryRun, keepExisting: values['keep-existing'] === true,
      ...(since !== undefined ? { since } : {}),
      ...(values.from !== undefined ? { from: values.from as string } : {}),
      checkpointFile: path.resolve((values.checkpoint as string | undefined) ?? '.shelfstack/sessions-migrate.json'),
      restart: values.restart === true, progress,
    });
    console.log(summaryLine(s, dryRun, started));
    return s.failed ? 1 : 0;
  } finally {
    memcached?.close();
  }
}

function summaryLine(s: MigrateSummary, dryRun: boolean, started: number): string {
  const failures = Object.entries(s.failures).map(([why, n]) => `${n} ${why}`).join(', ');
  return [
    `sessions migrate${dryRun ? ' (dry run, nothing written)' : ''}: ${dryRun ? 'would copy' : 'copied'} ${s.copied} sessions (${(s.bytes / 1024 ** 2).toFixed(1)} MB)`,
    `${s.copiedAgain} written meanwhile copied again`,
    ...(s.kept ? [`${s.kept} already in memcached kept`] : []),
    `${s.invalid} with ids memcached cannot hold, ${s.expired} expired on the way, ${s.failed} failed${failures ? ` (${failures})` : ''}`,
    `${s.resumedAfter !== undefined ? 'resumed; ' : ''}final pass began at ${s.finalPassAt} (--since for a run after the switch); ${secs(started)}`,
  ].join('; ');
}

function secs(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)}s`;
}
