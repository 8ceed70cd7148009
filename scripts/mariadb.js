'use strict';
// A MariaDB for the tests: the one already listening on 127.0.0.1:3306 (root, no password), or a
// throwaway server started from the installed binaries in a temporary folder, stopped afterwards.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function canQuery(port) {
  const args = ['-h127.0.0.1', `-P${port}`, '-uroot', '--connect-timeout=2', '-e', 'select 1'];
  return spawnSync('mariadb', args, { stdio: 'ignore' }).status === 0;
}

function freePort() {
  const script = "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return Number(spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout);
}

/** Returns { port, stop() }: the running server, or a throwaway one. */
function ensureMariadb() {
  // SHELFSTACK_TEST_DB_THROWAWAY=1 forces a server of the tests' own even when one runs.
  if (!process.env.SHELFSTACK_TEST_DB_THROWAWAY && canQuery(3306)) return { port: 3306, stop() {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelfstack-mariadb-'));
  const datadir = path.join(dir, 'data');
  const install = spawnSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${datadir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr.trim().split('\n').pop()}`);
  const port = freePort();
  const server = spawn(
    'mariadbd',
    ['--no-defaults', `--datadir=${datadir}`, `--socket=${path.join(dir, 'mysqld.sock')}`, `--port=${port}`, '--bind-address=127.0.0.1', '--user=root'],
    { stdio: 'ignore', detached: true },
  );
  server.unref();
  const deadline = Date.now() + 30000;
  while (!canQuery(port)) {
    if (Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error('the throwaway MariaDB did not answer within 30 s');
    }
    spawnSync('sleep', ['0.2']);
  }
  console.error(`npm test: started a throwaway MariaDB on 127.0.0.1:${port}`);
  return {
    port,
    stop() {
      server.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { ensureMariadb };
