/**
 * Sessions (issue 13), side by side in one run against a real MariaDB and a real memcached:
 * - `sessions migrate` of 100,000 sessions vs a bare mysql2 streaming SELECT feeding a memcached
 *   set loop (pipelined like migrate's, up to a page in flight), interleaved trials (goal ≤ 1.5×);
 * - one session read from MySQL vs one from memcached while other connections write sessions to
 *   MariaDB, as the store's pages do: the ratio is what moving sessions gains per read.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysqlStreaming from 'mysql2';
import mysql from 'mysql2/promise';
import { startMemcached } from '../cli/local/memcached';
import { memcachedClient } from '../cli/ops/sessions/memcached-sessions';
import { migrateSessions } from '../cli/ops/sessions/migrate';
import { noProgress } from '../cli/progress';
import { row, runBench, timed } from './support';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 5);
const READS = Number(process.env.BENCH_READS ?? 3000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const PREFIX = 'memc.sess.key.';
const id = (i: number) => `s${String(i).padStart(7, '0')}`;

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}

async function main() {
  const port = Number(process.env.SHELFSTACK_TEST_DB_PORT ?? 3306);
  const database = `shelfstack_bench_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '', charset: 'utf8mb4' });
  await admin.query(`CREATE DATABASE \`${database}\``);
  const url = `mysql://root@127.0.0.1:${port}/${database}`;
  const mc = await startMemcached(512);
  const client = memcachedClient(mc);
  const checkpointFile = path.join(os.tmpdir(), `${database}.json`);
  try {
    await admin.query(`USE \`${database}\``);
    await admin.query('CREATE TABLE sessions (id VARCHAR(128) NOT NULL PRIMARY KEY, data MEDIUMBLOB NOT NULL, access INT UNSIGNED NOT NULL) ENGINE=InnoDB');
    const now = Math.floor(Date.now() / 1000);
    const seeding = await timed(async () => {
      for (let from = 0; from < SESSIONS; from += 5000) {
        const rows = Array.from({ length: Math.min(5000, SESSIONS - from) }, (_, k) => [id(from + k), randomBytes(250).toString('base64'), now - 120 - ((from + k) % 1200)]);
        await admin.query('INSERT INTO sessions (id, data, access) VALUES ?', [rows]);
      }
    });
    console.log(`seeded ${SESSIONS} sessions (~340 bytes each) in ${seeding.seconds.toFixed(1)}s`);

    const conn = await mysql.createConnection(url);
    const table = { conn, table: 'sessions', columns: { id: 'id', data: 'data', access: 'access' } };
    const migrate = async () => {
      await rm(checkpointFile, { force: true });
      const s = await migrateSessions({ table, memcached: client, prefix: PREFIX, lifetime: 1440, target: 'bench', batch: BATCH, checkpointFile, progress: noProgress });
      if (s.copied !== SESSIONS) throw new Error(`migrate copied ${s.copied}`);
    };
    const bare = async () => {
      const stream = mysqlStreaming.createConnection(url);
      let n = 0;
      const inFlight = new Set<Promise<unknown>>();
      const typeCast: mysqlStreaming.TypeCast = (f, next) => (f.name === 'data' ? f.buffer() : next());
      const query = stream.query({ sql: 'SELECT id, data, access FROM sessions WHERE access > ?', values: [Math.floor(Date.now() / 1000) - 1440], typeCast });
      for await (const r of query.stream() as AsyncIterable<{ id: string; data: Buffer; access: number }>) {
        const p = client.set(`${PREFIX}${r.id}`, r.data, { expires: r.access + 1440 - Math.floor(Date.now() / 1000) }).then(() => n++);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        if (inFlight.size >= 1000) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      await new Promise<void>((resolve, reject) => stream.end((e) => (e ? reject(e) : resolve())));
      if (n !== SESSIONS) throw new Error(`bare loop set ${n}`);
    };

    const migrates: number[] = [];
    const bares: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      // Alternate which goes first, so that load from elsewhere on the machine falls on both alike.
      for (const which of t % 2 ? ['bare', 'migrate'] : ['migrate', 'bare']) {
        await client.flush();
        if (which === 'migrate') migrates.push((await timed(migrate)).seconds);
        else bares.push((await timed(bare)).seconds);
      }
    }
    const m = stats(migrates);
    const b = stats(bares);
    console.log(`\nsessions migrate (${TRIALS} interleaved trials)`);
    row(`bare streaming SELECT + set loop, ${SESSIONS} sessions`, `${b.median.toFixed(2)} s`, `spread ${b.min.toFixed(2)}–${b.max.toFixed(2)} s`);
    row(`sessions migrate (pages of ${BATCH}, checkpoint, final pass)`, `${m.median.toFixed(2)} s`, `spread ${m.min.toFixed(2)}–${m.max.toFixed(2)} s`);
    const ratios = migrates.map((x, i) => x / bares[i]!);
    const r = stats(ratios);
    row('ratio', `${(m.median / b.median).toFixed(2)}×`, `per trial ${r.min.toFixed(2)}–${r.max.toFixed(2)}× (goal ≤ 1.5×)`);

    // One session read, each store, under the store's session writes on MariaDB.
    const writer = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'sessions-writer.ts'), url, String(SESSIONS), '4'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    writer.stdout!.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      writer.stdout!.on('data', () => out.includes('ready') && resolve());
      writer.once('exit', (code) => reject(new Error(`writer exited with ${code}`)));
    });
    const readMysql: number[] = [];
    const readMemcached: number[] = [];
    const started = Date.now();
    for (let i = 0; i < READS; i++) {
      const key = id(Math.floor(Math.random() * SESSIONS));
      // Alternate, so both see the same load at the same moments.
      const a = process.hrtime.bigint();
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT data FROM sessions WHERE id = ?', [key]);
      const b2 = process.hrtime.bigint();
      const { value } = await client.get(`${PREFIX}${key}`);
      const c2 = process.hrtime.bigint();
      if (rows.length !== 1 || !value) throw new Error(`session ${key} missing`);
      readMysql.push(Number(b2 - a) / 1e6);
      readMemcached.push(Number(c2 - b2) / 1e6);
    }
    const seconds = (Date.now() - started) / 1000;
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    writer.kill('SIGTERM');
    await exited;
    const writes = Number(out.trim().split('\n').pop());
    const rm2 = stats(readMysql);
    const rc = stats(readMemcached);
    console.log(`\none session read under ${Math.round(writes / seconds)} session writes/s on MariaDB (4 connections, another process), ${READS} reads each`);
    row('MySQL: SELECT data WHERE id = ?', `${rm2.median.toFixed(3)} ms`, `p90 ${pct(readMysql, 0.9).toFixed(3)} ms, p99 ${pct(readMysql, 0.99).toFixed(3)} ms`);
    row('memcached: get memc.sess.key.<id>', `${rc.median.toFixed(3)} ms`, `p90 ${pct(readMemcached, 0.9).toFixed(3)} ms, p99 ${pct(readMemcached, 0.99).toFixed(3)} ms`);
    row('ratio (MySQL / memcached), median', `${(rm2.median / rc.median).toFixed(2)}×`, `p99 ${(pct(readMysql, 0.99) / pct(readMemcached, 0.99)).toFixed(2)}×`);
    await conn.end();
  } finally {
    client.close();
    await mc.stop();
    await rm(checkpointFile, { force: true });
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
  }
}

runBench(main);
