'use strict';
// System packages and services that `npm test` and `npm start` need beyond npm. Each is used if
// present, installed with apt when we are root, or else named with the exact command to run.
const { spawnSync } = require('node:child_process');

/** @type {{name: string, for: ('test'|'start')[], present: () => boolean, aptPackages: string[], start?: () => void}[]} */
const REQUIREMENTS = [
  // The instance tier (issue 5): replication runs Unison for real, the FTP router rsyncs samples,
  // provisioning templates are checked with cloud-init's own schema, backups use the MariaDB clients.
  { name: 'unison', for: ['test'], present: () => have('unison'), aptPackages: ['unison'] },
  { name: 'rsync', for: ['test'], present: () => have('rsync'), aptPackages: ['rsync'] },
  { name: 'cloud-init', for: ['test'], present: () => have('cloud-init'), aptPackages: ['cloud-init'] },
  { name: 'mariadb clients', for: ['test'], present: () => have('mysqldump') && have('mysql'), aptPackages: ['mariadb-client'] },
  // A running server on 127.0.0.1:3306 is used as it is; otherwise scripts/mariadb.js starts a throwaway one.
  { name: 'mariadb server', for: ['test'], present: () => have('mariadbd') || mariadbAnswers(), aptPackages: ['mariadb-server'] },
  { name: 'openssl', for: ['test'], present: () => have('openssl'), aptPackages: ['openssl'] },
  // Provisioning (issue 9): the web server's nginx and Apache sites are checked with nginx -t and apache2 -t, the units with systemd-analyze verify.
  { name: 'nginx', for: ['test'], present: () => have('nginx'), aptPackages: ['nginx-light'] },
  { name: 'apache2', for: ['test'], present: () => have('apache2'), aptPackages: ['apache2-bin'] },
  { name: 'systemd-analyze', for: ['test'], present: () => have('systemd-analyze'), aptPackages: ['systemd'] },
  // Sessions (issue 13): a real memcached per test file and in the rehearsal, and the store's side in
  // PHP: php-memcached's session handler reads what `sessions migrate` wrote, pdo_mysql writes the rows.
  { name: 'memcached', for: ['test', 'start'], present: () => have('memcached'), aptPackages: ['memcached'] },
  // The dashboard (issue 11): its page is tested in Debian's headless chromium, driven by playwright-core.
  { name: 'chromium', for: ['test'], present: () => have('chromium'), aptPackages: ['chromium'] },
  { name: 'php with php-memcached and php-mysql', for: ['test'], present: () => phpHas('memcached', 'pdo_mysql'), aptPackages: ['php-cli', 'php-memcached', 'php-mysql'] },
];

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function phpHas(...extensions) {
  const res = spawnSync('php', ['-m'], { encoding: 'utf8' });
  return res.status === 0 && extensions.every((e) => res.stdout.split('\n').includes(e));
}

function mariadbAnswers() {
  return spawnSync('mariadb', ['-h127.0.0.1', '-uroot', '--connect-timeout=2', '-e', 'select 1'], { stdio: 'ignore' }).status === 0;
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function aptInstall(packages) {
  console.error(`installing ${packages.join(' ')} with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let res = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  if (res.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    res = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  }
  return res.status === 0;
}

function ensureRequirements(purpose) {
  const missing = [];
  for (const req of REQUIREMENTS.filter((r) => r.for.includes(purpose))) {
    if (!req.present() && !(isRoot() && have('apt-get') && aptInstall(req.aptPackages) && req.present())) {
      missing.push(req);
      continue;
    }
    if (req.start) req.start();
  }
  if (missing.length) {
    const pkgs = missing.flatMap((r) => r.aptPackages).join(' ');
    console.error(`missing: ${missing.map((r) => r.name).join(', ')}. Install with: sudo apt-get install -y ${pkgs}`);
    process.exit(1);
  }
}

module.exports = { REQUIREMENTS, ensureRequirements, have };
