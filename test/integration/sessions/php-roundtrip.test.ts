import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../support/cli';
import { tempDir } from '../../support/emulators';
import { startMemcached, type Memcached } from '../../support/memcached';
import { scanKeys } from '../../../cli/ops/sessions/memcached-sessions';
import { createSessionsDb, dbClock, DB_PORT, type SessionsDb } from './db';

const run = promisify(execFile);
const PHP = path.join(__dirname, '../../support/php');
let db: SessionsDb;
let mc: Memcached;
let dir: string;

beforeAll(async () => {
  [db, mc, dir] = await Promise.all([createSessionsDb(), startMemcached(), tempDir('shelfstack-sessions-')]);
});
afterAll(async () => {
  await Promise.all([db?.drop(), mc?.stop(), dir && rm(dir, { recursive: true, force: true })]);
});

/** PHP writing a session through the store's MySQL handler; returns base64(serialize($_SESSION)). */
async function phpWrites(id: string, customer: number): Promise<string> {
  const env = { ...process.env, DSN: `mysql:host=127.0.0.1;port=${DB_PORT};dbname=${db.database};charset=utf8mb4`, TABLE: 'sessions', SESSION_ID: id, CUSTOMER: String(customer) };
  return (await run('php', [path.join(PHP, 'write-session.php')], { env })).stdout;
}

/** PHP reading a session with php-memcached's session handler, as a switched web server does. */
async function phpReadsFromMemcached(id: string): Promise<string> {
  const args = ['-d', 'session.save_handler=memcached', '-d', `session.save_path=127.0.0.1:${mc.port}`, '-d', 'memcached.sess_prefix=memc.sess.key.', path.join(PHP, 'read-session.php')];
  return (await run('php', args, { env: { ...process.env, SESSION_ID: id } })).stdout;
}

function cliEnv() {
  return {
    SHELFSTACK_SESSIONS_MYSQL_URL: db.url,
    SHELFSTACK_MEMCACHED: `127.0.0.1:${mc.port}`,
    SHELFSTACK_SESSIONS_LIFETIME: '1440',
  };
}

describe('sessions migrate, between PHP on MySQL and PHP on memcached', () => {
  it("PHP's session_start() on memcached reads exactly the $_SESSION that PHP wrote through MySQL, binary and unicode included", async () => {
    const ids = ['k3v9q2l1m0n8b7c6x5z4a3s2d1', 'p0o9i8u7y6t5r4e3w2q1', 'abc-DEF,123'];
    const written = await Promise.all(ids.map((id, i) => phpWrites(id, 100 + i)));
    const decoded = Buffer.from(written[0]!, 'base64').toString('latin1');
    expect(decoded).toContain('customer";i:100;');
    expect(Buffer.from(written[0]!, 'base64').includes(Buffer.from('Zoë Brontë — 🎧'))).toBe(true);
    // Before the migration memcached has none of them.
    expect(await phpReadsFromMemcached(ids[0]!)).toBe('EMPTY');

    const res = await runCli(['sessions', 'migrate', '--checkpoint', path.join(dir, 'cp.json')], cliEnv());
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^sessions migrate: copied 3 sessions .*0 failed/m);

    for (const [i, id] of ids.entries()) expect(await phpReadsFromMemcached(id)).toBe(written[i]);
  });

  it('carries the remaining lifetime over as the memcached expiry, and leaves expired sessions behind', async () => {
    const now = await dbClock(db.conn);
    await db.conn.query('INSERT INTO sessions (id, data, access) VALUES (?, ?, ?), (?, ?, ?)', [
      'almostgone', Buffer.from('a|i:1;'), now - 1440 + 100,
      'longgone', Buffer.from('a|i:2;'), now - 1440 - 5,
    ]);
    const res = await runCli(['sessions', 'migrate', '--restart', '--checkpoint', path.join(dir, 'cp2.json')], cliEnv());
    expect(res.code).toBe(0);
    const scan = await scanKeys(mc, 'memc.sess.key.almostgone');
    expect(scan.keys).toBe(1);
    // memcached stamps its own clock: the expiry is now + ~100 s, not the full 1440.
    expect(Math.abs(scan.soonestExpiry! - (now + 100))).toBeLessThanOrEqual(3);
    expect((await scanKeys(mc, 'memc.sess.key.longgone')).keys).toBe(0);
    expect(await phpReadsFromMemcached('almostgone')).toBe(Buffer.from(serializeWhole({ a: 1 })).toString('base64'));
  });
});

/** serialize() of a small array of ints, as PHP prints it. */
function serializeWhole(values: Record<string, number>): string {
  const entries = Object.entries(values).map(([k, v]) => `s:${k.length}:"${k}";i:${v};`);
  return `a:${entries.length}:{${entries.join('')}}`;
}
