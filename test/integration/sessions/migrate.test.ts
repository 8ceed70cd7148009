import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type memjs from 'memjs';
import { noProgress, type Progress } from '../../../cli/progress';
import { memcachedClient } from '../../../cli/ops/sessions/memcached-sessions';
import { migrateSessions, type MigrateOptions } from '../../../cli/ops/sessions/migrate';
import type { SessionTable } from '../../../cli/ops/sessions/mysql-sessions';
import { runCli } from '../../support/cli';
import { tempDir } from '../../support/emulators';
import { startMemcached, type Memcached } from '../../support/memcached';
import { createSessionsDb, dbClock, type SessionsDb } from './db';

let db: SessionsDb;
let mc: Memcached;
let client: memjs.Client;
let dir: string;
let table: SessionTable;
const columns = { id: 'id', data: 'data', access: 'access' };

beforeAll(async () => {
  [db, mc, dir] = await Promise.all([createSessionsDb(), startMemcached(), tempDir('shelfstack-sessions-')]);
  client = memcachedClient(mc);
  table = { conn: db.conn, table: 'sessions', columns };
});
afterAll(async () => {
  client?.close();
  await Promise.all([db?.drop(), mc?.stop(), dir && rm(dir, { recursive: true, force: true })]);
});
beforeEach(async () => {
  await db.conn.query('DELETE FROM sessions');
  await client.flush();
});

const id = (i: number) => `s${String(i).padStart(5, '0')}`;

async function seed(n: number, access: number) {
  const rows = Array.from({ length: n }, (_, i) => [id(i), Buffer.from(`n|i:${i};`), access]);
  await db.conn.query('INSERT INTO sessions (id, data, access) VALUES ?', [rows]);
}

async function inMemcached(key: string): Promise<string | undefined> {
  const { value } = await client.get(`memc.sess.key.${key}`);
  return value?.toString();
}

function options(extra: Partial<MigrateOptions> = {}): MigrateOptions {
  return { table, memcached: client, prefix: 'memc.sess.key.', lifetime: 1440, target: 'test', batch: 10, progress: noProgress, ...extra };
}

describe('sessions migrate', () => {
  it('copies every live session in pages and never writes to MySQL', async () => {
    const now = await dbClock(db.conn);
    await seed(95, now - 10);
    const [[before]] = await db.conn.query<any[]>('CHECKSUM TABLE sessions');
    const s = await migrateSessions(options());
    expect(s).toMatchObject({ copied: 95, failed: 0, invalid: 0 });
    expect(await inMemcached(id(0))).toBe('n|i:0;');
    expect(await inMemcached(id(94))).toBe('n|i:94;');
    const [[after]] = await db.conn.query<any[]>('CHECKSUM TABLE sessions');
    expect(after.Checksum).toBe(before.Checksum);
  });

  it('--dry-run counts and writes nothing, neither to memcached nor a checkpoint', async () => {
    await seed(12, await dbClock(db.conn));
    const checkpointFile = path.join(dir, 'dry.json');
    const s = await migrateSessions(options({ dryRun: true, memcached: undefined, checkpointFile }));
    expect(s.copied).toBe(12);
    expect(await inMemcached(id(3))).toBeUndefined();
    await expect(readFile(checkpointFile)).rejects.toThrow(/ENOENT/);
  });

  it('resumes from its checkpoint after an interruption, where the last whole page ended', async () => {
    // Written before the migration (the final pass re-copies only what is written during it).
    await seed(50, (await dbClock(db.conn)) - 600);
    const checkpointFile = path.join(dir, 'resume.json');
    let pages = 0;
    const breaking: Progress = { ...noProgress, tick: () => { if (++pages === 3) throw new Error('interrupted'); } };
    await expect(migrateSessions(options({ checkpointFile, progress: breaking }))).rejects.toThrow('interrupted');
    const cp = JSON.parse(await readFile(checkpointFile, 'utf8'));
    expect(cp).toMatchObject({ phase: 'copy', lastId: id(29), copied: 30 });
    await client.flush(); // what the first run wrote is not what makes the second complete

    const s = await migrateSessions(options({ checkpointFile }));
    expect(s.resumedAfter).toBe(id(29));
    expect(s.copied).toBe(50); // 30 counted before, 20 now
    expect(s.copiedAgain).toBe(0);
    expect(await inMemcached(id(29))).toBeUndefined();
    expect(await inMemcached(id(30))).toBe('n|i:30;');
    expect(JSON.parse(await readFile(checkpointFile, 'utf8')).phase).toBe('done');
  });

  it('refuses a checkpoint of another migration target', async () => {
    await seed(30, await dbClock(db.conn));
    const checkpointFile = path.join(dir, 'other.json');
    const stop: Progress = { ...noProgress, tick: () => { throw new Error('stop'); } };
    // The first page is checkpointed before the progress (which stops the run) hears of it.
    await expect(migrateSessions(options({ checkpointFile, progress: stop }))).rejects.toThrow('stop');
    await expect(migrateSessions(options({ checkpointFile, target: 'elsewhere' }))).rejects.toThrow(/another place .*--restart/);
  });

  it('copies again, at the end, a session written during the migration behind its cursor', async () => {
    const now = await dbClock(db.conn);
    await seed(40, now - 600);
    let pages = 0;
    const writer: Progress = {
      ...noProgress,
      tick: () => {
        // After the second page, the store writes s00003 (already copied) and creates a new one before the cursor.
        if (++pages === 2) {
          void db.conn.query('UPDATE sessions SET data = ?, access = UNIX_TIMESTAMP() WHERE id = ?', [Buffer.from('n|s:7:"changed";'), id(3)]);
          void db.conn.query('INSERT INTO sessions VALUES (?, ?, UNIX_TIMESTAMP())', ['s00001a', Buffer.from('new|b:1;')]);
        }
      },
    };
    const s = await migrateSessions(options({ progress: writer }));
    expect(await inMemcached(id(3))).toBe('n|s:7:"changed";');
    expect(await inMemcached('s00001a')).toBe('new|b:1;');
    expect(s.copiedAgain).toBeGreaterThanOrEqual(2);
  });

  it('--keep-existing leaves what memcached holds and adds only what it lacks', async () => {
    await seed(5, await dbClock(db.conn));
    await client.set(`memc.sess.key.${id(2)}`, Buffer.from('newer|i:9;'), { expires: 600 });
    const s = await migrateSessions(options({ keepExisting: true }));
    expect(await inMemcached(id(2))).toBe('newer|i:9;');
    expect(await inMemcached(id(4))).toBe('n|i:4;');
    expect(s.copied).toBe(4);
    expect(s.kept).toBeGreaterThanOrEqual(1);
  });

  it('reads a TEXT data column under other column names as the bytes PHP wrote (UTF-8), not re-encoded', async () => {
    await db.conn.query('CREATE TABLE store_sessions (sess_id CHAR(32) NOT NULL PRIMARY KEY, payload TEXT CHARACTER SET utf8mb4 NOT NULL, ts BIGINT NOT NULL)');
    const text = 'name|s:24:"Zoë — 🎧 日本語";';
    await db.conn.query('INSERT INTO store_sessions VALUES (?, ?, UNIX_TIMESTAMP())', ['t'.repeat(32), text]);
    const s = await migrateSessions(options({ table: { conn: db.conn, table: 'store_sessions', columns: { id: 'sess_id', data: 'payload', access: 'ts' } } }));
    expect(s.copied).toBe(1);
    const { value } = await client.get(`memc.sess.key.${'t'.repeat(32)}`);
    expect(value).toEqual(Buffer.from(text, 'utf8'));
  });

  it('counts an id memcached cannot hold and a session too large for it, and copies the rest', async () => {
    const now = await dbClock(db.conn);
    await db.conn.query('INSERT INTO sessions VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)', [
      'has space', Buffer.from('x'), now, 'big', Buffer.alloc(2 * 1024 * 1024, 1), now, 'fine', Buffer.from('ok'), now,
    ]);
    const s = await migrateSessions(options());
    expect(s).toMatchObject({ copied: 1, invalid: 1, failed: 1 });
    expect(Object.keys(s.failures)).toEqual([expect.stringMatching(/too large/i)]);
    expect(await inMemcached('fine')).toBe('ok');
  });
});

describe('shelfstack sessions (the command)', () => {
  const env = () => ({ SHELFSTACK_SESSIONS_MYSQL_URL: db.url, SHELFSTACK_MEMCACHED: `127.0.0.1:${mc.port}` });

  it('stops with one line naming the missing column when the table does not match the settings', async () => {
    const res = await runCli(['sessions', 'status'], { ...env(), SHELFSTACK_SESSIONS_COLUMNS: 'id,data,timestamp' });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('shelfstack sessions: table `sessions` has no column `timestamp` (the access column of SHELFSTACK_SESSIONS_COLUMNS)\n');
    const missing = await runCli(['sessions', 'gc'], { ...env(), SHELFSTACK_SESSIONS_TABLE: 'php_sessions' });
    expect(missing.stderr).toBe('shelfstack sessions: no table `php_sessions` in this database (SHELFSTACK_SESSIONS_TABLE)\n');
  });

  it('never echoes the password of a bad URL or a refused login', async () => {
    const bad = await runCli(['sessions', 'status'], { SHELFSTACK_SESSIONS_MYSQL_URL: 'mysql://root:s3cr3tpw@127.0.0.1/' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^shelfstack sessions: SHELFSTACK_SESSIONS_MYSQL_URL must be/);
    const refused = await runCli(['sessions', 'status'], { ...env(), SHELFSTACK_SESSIONS_MYSQL_URL: db.url.replace('root@', 'nobody_here@'), MYSQL_PWD: 's3cr3tpw' });
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(bad.stderr + refused.stderr).not.toContain('s3cr3tpw');
  });

  it('status reports counts, bytes and the oldest session of both stores', async () => {
    const now = await dbClock(db.conn);
    await db.conn.query('INSERT INTO sessions VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)', ['a', Buffer.alloc(1000), now - 30, 'b', Buffer.alloc(500), now - 7200, 'c', Buffer.alloc(10), now]);
    expect((await runCli(['sessions', 'migrate', '--restart', '--checkpoint', path.join(dir, 's.json')], env())).code).toBe(0);
    const res = await runCli(['sessions', 'status'], env());
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^mysql: 3 sessions \(2 live, 1 expired\), 0\.0 MB of data; oldest written 2\.0h ago$/m);
    expect(res.stdout).toMatch(/^memcached: 2 sessions, 0\.0 MB as items; oldest written about (29|3\d)s ago/m);
  });

  it('names the setting when MySQL or memcached cannot be reached', async () => {
    const noDb = await runCli(['sessions', 'status'], { ...env(), SHELFSTACK_SESSIONS_MYSQL_URL: 'mysql://root@127.0.0.1:9/nowhere' });
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toMatch(/^shelfstack sessions: SHELFSTACK_SESSIONS_MYSQL_URL cannot be reached: .*ECONNREFUSED.*\n$/);
    const noMc = await runCli(['sessions', 'migrate', '--restart', '--checkpoint', path.join(dir, 'nomc.json')], { ...env(), SHELFSTACK_MEMCACHED: '127.0.0.1:9' });
    expect(noMc.code).toBe(1);
    expect(noMc.stderr).toMatch(/^shelfstack sessions: SHELFSTACK_MEMCACHED does not answer \(.*ECONNREFUSED.*\)\n$/);
  });

  it('answers --help and refuses a flag of another action', async () => {
    const help = await runCli(['sessions', 'migrate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--dry-run');
    const wrong = await runCli(['sessions', 'status', '--dry-run'], env());
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.split('\n')[0]).toBe('shelfstack sessions: --dry-run does not apply to "status" (see shelfstack sessions --help)');
  });
});
