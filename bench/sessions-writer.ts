/**
 * The store's session writes, for bench/sessions.bench.ts: CONNECTIONS connections each writing
 * one session after another (INSERT … ON DUPLICATE KEY UPDATE, as PHP's MySQL handler does at the
 * end of every request) until SIGTERM; prints the number of writes on exit. A process of its own,
 * so the load does not share the measured client's event loop.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

const [url, sessions, connections] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4] ?? 4)];

async function main() {
  let running = true;
  let writes = 0;
  process.on('SIGTERM', () => (running = false));
  const data = randomBytes(256).toString('hex');
  const conns = await Promise.all(Array.from({ length: connections }, () => mysql.createConnection(url)));
  process.stdout.write('ready\n');
  await Promise.all(conns.map(async (c) => {
    while (running) {
      const id = `s${String(Math.floor(Math.random() * sessions)).padStart(7, '0')}`;
      await c.query('INSERT INTO sessions (id, data, access) VALUES (?, ?, UNIX_TIMESTAMP()) ON DUPLICATE KEY UPDATE data = VALUES(data), access = VALUES(access)', [id, data]);
      writes++;
    }
    await c.end();
  }));
  process.stdout.write(`${writes}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
