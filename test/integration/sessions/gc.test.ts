import mysql from 'mysql2/promise';
import { collectGarbage } from '../../../cli/ops/sessions/gc';
import { noProgress } from '../../../cli/progress';
import { createSessionsDb, dbClock, DB_PORT, type SessionsDb } from './db';

let db: SessionsDb;
const columns = { id: 'id', data: 'data', access: 'access' };

beforeAll(async () => {
  db = await createSessionsDb();
});
afterAll(async () => {
  await db?.drop();
});

describe('sessions gc', () => {
  it('deletes only expired rows, in small batches, while the store keeps writing; a session refreshed meanwhile survives', async () => {
    const now = await dbClock(db.conn);
    const expired = Array.from({ length: 3000 }, (_, i) => [`old${String(i).padStart(5, '0')}`, Buffer.from('x'.repeat(200)), now - 5000 - i]);
    const live = Array.from({ length: 200 }, (_, i) => [`new${String(i).padStart(4, '0')}`, Buffer.from('y'), now - 10]);
    await db.conn.query('INSERT INTO sessions (id, data, access) VALUES ?', [expired]);
    await db.conn.query('INSERT INTO sessions (id, data, access) VALUES ?', [live]);

    // The store, meanwhile: four connections writing sessions (live ones, and refreshing expired
    // ones as a returning customer does), each with a 1 s lock wait limit it must never hit.
    const writers = await Promise.all(Array.from({ length: 4 }, () =>
      mysql.createConnection({ host: '127.0.0.1', port: DB_PORT, user: 'root', password: '', database: db.database })));
    await Promise.all(writers.map((w) => w.query('SET SESSION innodb_lock_wait_timeout = 1')));
    let running = true;
    const refreshed = new Set<string>();
    let writes = 0;
    let slowest = 0;
    const load = writers.map(async (w, k) => {
      for (let i = 0; running; i++) {
        const id = i % 2 === 0 ? `new${String((i * 7 + k) % 200).padStart(4, '0')}` : `old${String((i * 13 + k * 101) % 3000).padStart(5, '0')}`;
        const t = Date.now();
        await w.query('INSERT INTO sessions (id, data, access) VALUES (?, ?, UNIX_TIMESTAMP()) ON DUPLICATE KEY UPDATE data = VALUES(data), access = VALUES(access)', [id, Buffer.from('z')]);
        slowest = Math.max(slowest, Date.now() - t);
        if (id.startsWith('old')) refreshed.add(id);
        writes++;
      }
    });

    let batches = 0;
    const summary = await collectGarbage({
      table: { conn: db.conn, table: 'sessions', columns }, lifetime: 1440, batch: 100,
      progress: { ...noProgress, tick: () => void batches++ },
    });
    running = false;
    await Promise.all(load);
    await Promise.all(writers.map((w) => w.end()));

    expect(writes).toBeGreaterThan(20);
    expect(summary.batches).toBeGreaterThanOrEqual(30);
    expect(batches).toBe(summary.batches);
    const [rows] = await db.conn.query<mysql.RowDataPacket[]>('SELECT id, access FROM sessions');
    const left = new Map(rows.map((r) => [String(r.id), Number(r.access)]));
    // Every live session is there, and every session written during the gc.
    for (const [id] of live) expect(left.has(id as string)).toBe(true);
    for (const id of refreshed) expect(left.has(id)).toBe(true);
    // Nothing expired is left, and what was deleted plus what was refreshed is all that was expired.
    expect([...left.values()].filter((a) => a < now - 1440)).toEqual([]);
    // (A refreshed one may have been deleted first and written anew by its customer's next request.)
    expect(summary.deleted).toBeLessThanOrEqual(3000);
    expect(summary.deleted).toBeGreaterThanOrEqual(3000 - refreshed.size);
    expect(slowest).toBeLessThan(1000);
  });

  it('--dry-run deletes nothing', async () => {
    await db.conn.query('DELETE FROM sessions');
    const now = await dbClock(db.conn);
    await db.conn.query('INSERT INTO sessions VALUES (?, ?, ?), (?, ?, ?)', ['a', Buffer.from('1'), now - 9999, 'b', Buffer.from('2'), now]);
    const s = await collectGarbage({ table: { conn: db.conn, table: 'sessions', columns }, lifetime: 1440, dryRun: true, progress: noProgress });
    expect(s.deleted).toBe(1);
    const [[{ n }]] = await db.conn.query<any[]>('SELECT COUNT(*) AS n FROM sessions');
    expect(Number(n)).toBe(2);
  });
});
