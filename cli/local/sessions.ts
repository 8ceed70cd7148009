import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import type { Logger } from '../../instance/logger';
import { startMemcached } from './memcached';

/**
 * The rehearsal's sessions (issue 13): a memcached on a loopback port, as the cache server, and a
 * session table of the store's kind in MariaDB (the server on 127.0.0.1:3306, or the one
 * scripts/mariadb.js starts), with sample sessions to migrate. Writes DIR/sessions.env.
 */
export interface LocalSessions {
  memcached: string;
  mysqlUrl?: string;
  stop(): Promise<void>;
}

export async function startLocalSessions(opts: { dir: string; logger: Logger; sampleSessions?: number }): Promise<LocalSessions> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  const mc = await startMemcached();
  stops.push(() => mc.stop());
  const memcached = `${mc.host}:${mc.port}`;

  try {
    const mysqlUrl = await sessionTable(opts, stops);
    const env = { SHELFSTACK_MEMCACHED: memcached, ...(mysqlUrl ? { SHELFSTACK_SESSIONS_MYSQL_URL: mysqlUrl } : {}) };
    await mkdir(opts.dir, { recursive: true });
    await writeFile(path.join(opts.dir, 'sessions.env'), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    return { memcached, ...(mysqlUrl ? { mysqlUrl } : {}), stop };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}

/** The MariaDB on 127.0.0.1:3306 when it answers, else a throwaway one (scripts/mariadb.js); undefined with none. */
async function sessionTable(opts: { dir: string; logger: Logger; sampleSessions?: number }, stops: (() => Promise<void>)[]): Promise<string | undefined> {
  // One database per rehearsal folder, dropped when the rehearsal stops.
  const database = `shelfstack_local_${createHash('sha1').update(opts.dir).digest('hex').slice(0, 8)}`;
  let conn: mysql.Connection;
  let port = Number(process.env.SHELFSTACK_TEST_DB_PORT ?? 3306);
  const connect = () => mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '', charset: 'utf8mb4', connectTimeout: 2000 });
  try {
    conn = await connect();
  } catch {
    try {
      const server = (require('../../scripts/mariadb') as { ensureMariadb(): { port: number; stop(): void } }).ensureMariadb();
      stops.push(async () => server.stop());
      port = server.port;
      conn = await connect();
    } catch (e: unknown) {
      opts.logger.warn({ reason: e instanceof Error ? e.message : String(e) }, 'local_sessions_without_mariadb');
      return undefined;
    }
  }
  stops.push(async () => {
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await conn.end();
  });
  await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`);
  await conn.query(`CREATE TABLE IF NOT EXISTS \`${database}\`.sessions (id VARCHAR(128) NOT NULL PRIMARY KEY, data MEDIUMBLOB NOT NULL, access INT UNSIGNED NOT NULL) ENGINE=InnoDB`);
  const n = opts.sampleSessions ?? 500;
  // Sample sessions, against PHP's default 1440 s lifetime: 40 % written in the last 20 minutes (live),
  // the rest 30 to 60 minutes ago (expired, for gc).
  const now = Math.floor(Date.now() / 1000);
  const live = Math.round(n * 0.4);
  const age = (i: number) => (i < live ? Math.floor((i / live) * 1200) : 1800 + Math.floor(((i - live) / (n - live)) * 1800));
  const rows = Array.from({ length: n }, (_, i) => [randomBytes(13).toString('hex'), Buffer.from(`customer|i:${1000 + i};cart|a:0:{}`), now - age(i)]);
  if (rows.length) await conn.query(`INSERT IGNORE INTO \`${database}\`.sessions (id, data, access) VALUES ?`, [rows]);
  return `mysql://root@127.0.0.1:${port}/${database}`;
}
