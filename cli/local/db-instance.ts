import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The db instance's MariaDB: a server of the rehearsal's own (as scripts/mariadb.js starts for the
 * tests) whose data directory is the db volume's folder, so the server of a replacement that the
 * volume moved to serves the same data. It listens on the instance's own address.
 */
export interface DbServer {
  pid: number;
  socket: string;
}

export async function startDbServer(opts: { dataDir: string; home: string; host: string; port: number; log: number }): Promise<DbServer> {
  if (!existsSync(path.join(opts.dataDir, 'mysql'))) {
    mkdirSync(opts.dataDir, { recursive: true });
    await promisify(execFile)('mariadb-install-db', ['--no-defaults', `--datadir=${opts.dataDir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db']);
  }
  const socket = path.join(opts.home, 'mysqld.sock');
  const server = spawn(
    'mariadbd',
    ['--no-defaults', `--datadir=${opts.dataDir}`, `--socket=${socket}`, `--pid-file=${path.join(opts.home, 'mysqld.pid')}`, `--port=${opts.port}`, `--bind-address=${opts.host}`, '--user=root', '--skip-log-bin'],
    { stdio: ['ignore', opts.log, opts.log], detached: true },
  );
  const deadline = Date.now() + 30_000;
  while (!(await answers(opts.host, opts.port))) {
    if (server.exitCode !== null) throw new Error(`mariadbd exited with ${server.exitCode} (see its instance log)`);
    if (Date.now() > deadline) throw new Error(`mariadbd did not listen on ${opts.host}:${opts.port} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { pid: server.pid!, socket };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
