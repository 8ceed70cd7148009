import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { HEALTH_PORT, PROVISION_ROLES, renderUnit, renderUserData, unitNames, WEB_PORTS, type ProvisionVars } from '../../instance/provision/render';
import { tempDir } from '../support/emulators';
import { VARS } from '../support/provision-boot';

const ROOT = path.resolve(__dirname, '../..');
// The stack passes these at package time (a bucket name of its own, as a real one would be).
const vars: ProvisionVars = { ...VARS, bucket: 'shelfstack-main-123456789012-eu-west-1' };
type Doc = { manage_etc_hosts: boolean; packages: string[]; runcmd: unknown[]; write_files: { path: string; content: string; defer?: boolean }[] };
const doc = (role: (typeof PROVISION_ROLES)[number]) => parse(renderUserData(role, vars)) as Doc;
const file = (d: Doc, p: string) => d.write_files.find((f) => f.path === p)?.content;

/** A tool the test needs: present, or the test fails saying how to get it (npm test installs them as root). */
function tool(cmd: string, aptPackage: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) throw new Error(`${cmd} is missing: apt-get install -y ${aptPackage} (npm test installs it when run as root)`);
}

describe('provisioning', () => {
  it.each(PROVISION_ROLES)('renders %s user-data that passes cloud-init\'s own schema check', async (role) => {
    tool('cloud-init', 'cloud-init');
    const text = renderUserData(role, vars);
    const d = parse(text) as Doc;
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(d.manage_etc_hosts).toBe(false);
    expect(JSON.stringify(d.runcmd)).toContain('shelfstack-init.service');
    expect(file(d, '/etc/shelfstack/env')).toContain('SHELFSTACK_CLUSTER=main\n');
    const f = path.join(await tempDir('shelfstack-prov-'), `${role}.yaml`);
    await writeFile(f, text);
    const res = spawnSync('cloud-init', ['schema', '-c', f], { encoding: 'utf8' });
    expect(`${res.stdout}${res.stderr}`).toMatch(/Valid cloud-config/);
    expect(res.status).toBe(0);
  });

  it.each(PROVISION_ROLES)('carries nothing per instance or secret in %s user-data: one launch template serves every slot', (role) => {
    const text = renderUserData(role, vars);
    // EC2 refuses user-data over 16 KB (before base64).
    expect(Buffer.byteLength(text)).toBeLessThan(16 * 1024);
    expect(text).not.toMatch(/^(hostname|fqdn|preserve_hostname):|www1|SIGNING_KEY=|PASSWORD=|MYSQL_PWD=/m);
    // The package comes from the bucket with the instance role (contract 6), through Debian's awscli.
    expect(doc(role).packages).toContain('awscli');
    expect(JSON.stringify(doc(role).runcmd)).toContain(`"s3://${vars.bucket}/artifacts/shelfstack.tgz"`);
  });

  it('puts nginx in front on the web server, Apache behind it, and the probe on nginx\'s port', () => {
    const web = doc('web');
    expect(web.packages).toEqual(expect.arrayContaining(['nginx-light', 'apache2', 'libapache2-mod-php']));
    expect(file(web, '/etc/apache2/ports.conf')).toMatch(/^Listen 127\.0\.0\.1:8000$/m);
    const site = file(web, '/etc/nginx/sites-available/shelfstack')!;
    expect(site).toMatch(/^\s*listen 80 default_server;$/m);
    expect(site).toContain('server 127.0.0.1:8080;');
    expect(site).toMatch(/location \/_cache\/ \{\s*internal;\s*alias \/var\/cache\/shelfstack\/chunks\/;/);
    expect(file(web, '/etc/systemd/system/shelfstack-web.service')).toMatch(/^ExecStart=\/usr\/local\/bin\/shelfstack web --host 127\.0\.0\.1 --port 8080 --x-accel-redirect \/_cache\/$/m);
    expect(HEALTH_PORT).toBe(WEB_PORTS.front);
  });

  it('provisions the cache server: memcached, init and the agent, its memory as a setting; the web servers find it as cacheserver', () => {
    const cache = doc('cache');
    expect(cache.packages).toContain('memcached');
    expect(cache.write_files.map((f) => f.path).filter((p) => p.startsWith('/etc/systemd/system/')).sort()).toEqual([
      '/etc/systemd/system/shelfstack-agent.service',
      '/etc/systemd/system/shelfstack-init.service',
    ]);
    expect(JSON.stringify(cache.runcmd)).toContain('"memcached.service"');
    expect(file(cache, '/etc/shelfstack/env')).toMatch(/^SHELFSTACK_MEMCACHED_MEMORY=1G$/m);
    expect(parse(renderUserData('cache', { ...vars, memcachedMemory: '512M' })).write_files[0].content).toMatch(/^SHELFSTACK_MEMCACHED_MEMORY=512M$/m);
    const webEnv = file(doc('web'), '/etc/shelfstack/env')!;
    expect(webEnv).toMatch(/^SHELFSTACK_SESSIONS=mysql$/m);
    expect(webEnv).toMatch(/^SHELFSTACK_MEMCACHED=cacheserver:11211$/m);
    expect(file(parse(renderUserData('web', { ...vars, sessions: 'memcached' })) as Doc, '/etc/shelfstack/env')).toMatch(/^SHELFSTACK_SESSIONS=memcached$/m);
    expect(() => renderUserData('web', { ...vars, sessions: 'redis' })).toThrow(/sessions is malformed/);
  });

  it('mounts the db volume by its label before MariaDB, whose data directory is on it', () => {
    const db = doc('db');
    expect(db.packages).toContain('mariadb-server');
    const cnf = db.write_files.find((f) => f.path === '/etc/mysql/mariadb.conf.d/60-shelfstack.cnf')!;
    expect(cnf.content).toContain('datadir = /srv/mysql/data');
    expect(cnf.defer).toBe(true);
    expect(file(db, '/usr/local/lib/shelfstack/db-volume.sh')).toContain('LABEL=mysqldata');
    expect(file(db, '/etc/systemd/system/shelfstack-db-volume.service')).toMatch(/^RequiredBy=mariadb\.service$/m);
    const runcmd = JSON.stringify(db.runcmd);
    expect(runcmd.indexOf('shelfstack-db-volume.service')).toBeLessThan(runcmd.indexOf('"restart","mariadb"'));
    const sh = spawnSync('sh', ['-n', path.join(ROOT, 'instance/provision/files/db-volume.sh')], { encoding: 'utf8' });
    expect(sh.stderr).toBe('');
  });

  it('refuses a variable that could change the YAML\'s structure, and the per-instance hostname', () => {
    expect(() => renderUserData('web', { ...vars, domain: "x.com'\nruncmd: [reboot]" })).toThrow(/domain is malformed/);
    expect(() => renderUserData('web', { ...vars, hostname: 'www1' } as ProvisionVars)).toThrow(/unknown provisioning variable hostname/);
  });

  it('writes an nginx site that nginx -t accepts', async () => {
    tool('nginx', 'nginx-light');
    const dir = await tempDir('shelfstack-nginx-');
    await mkdir(path.join(dir, 'logs'));
    await writeFile(path.join(dir, 'site.conf'), file(doc('web'), '/etc/nginx/sites-available/shelfstack')!);
    // Debian's nginx.conf, in short: the site inside http {}.
    const conf = `pid ${dir}/nginx.pid; error_log ${dir}/logs/error.log; events {} http { include /etc/nginx/mime.types; include ${dir}/site.conf; }`;
    await writeFile(path.join(dir, 'nginx.conf'), conf);
    const res = spawnSync('nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' });
    expect(res.stderr).toMatch(/syntax is ok/);
    expect(res.stderr).toMatch(/test is successful/);
    expect(res.status).toBe(0);
  });

  it('writes an Apache site, behind nginx on loopback, that apache2 -t accepts with the modules the runcmd enables', async () => {
    tool('apache2', 'apache2-bin');
    const web = doc('web');
    const dir = await tempDir('shelfstack-apache-');
    await writeFile(path.join(dir, 'ports.conf'), file(web, '/etc/apache2/ports.conf')!);
    await writeFile(path.join(dir, 'site.conf'), file(web, '/etc/apache2/sites-available/shelfstack.conf')!);
    const mods = '/usr/lib/apache2/modules';
    // Debian's apache2.conf in short: the modules it loads by default, then the runcmd's remoteip.
    const conf = [
      ...['mpm_event', 'authz_core', 'env', 'remoteip'].map((m) => `LoadModule ${m}_module ${mods}/mod_${m}.so`),
      `PidFile ${dir}/apache.pid`, `ErrorLog ${dir}/error.log`, `Define APACHE_LOG_DIR ${dir}`, 'ServerName localhost',
      'LogFormat "%h %l %u %t \\"%r\\" %>s %O" combined',
      `Include ${dir}/ports.conf`, `Include ${dir}/site.conf`,
    ].join('\n');
    await writeFile(path.join(dir, 'apache2.conf'), conf);
    expect(JSON.stringify(web.runcmd)).toContain('["a2enmod","remoteip"]');
    const res = spawnSync('apache2', ['-t', '-f', path.join(dir, 'apache2.conf')], { encoding: 'utf8' });
    expect(res.stderr.trim()).toBe('Syntax OK');
    expect(res.status).toBe(0);
  });

  it('ships units that systemd-analyze verify accepts, each with Restart=on-failure and sandboxing', async () => {
    tool('systemd-analyze', 'systemd');
    const dir = await tempDir('shelfstack-units-');
    const names = unitNames();
    for (const name of names) {
      const text = renderUnit(name, path.join(ROOT, 'bin', 'shelfstack.js'));
      await writeFile(path.join(dir, name), text);
      if (name.endsWith('.service') && name !== 'shelfstack-db-volume.service') {
        for (const line of ['Restart=on-failure', 'NoNewPrivileges=yes']) expect(`${name}: ${text}`).toContain(line);
        expect(text).toMatch(/^ProtectSystem=(true|full|strict)$/m);
        expect(text).toMatch(/^ReadWritePaths=\//m);
      }
    }
    expect(names).toEqual(expect.arrayContaining(['shelfstack-web.service', 'shelfstack-agent.service', 'shelfstack-ftp.service', 'shelfstack-replication.timer', 'shelfstack-db-backup.timer', 'shelfstack-db-volume.service']));
    const res = spawnSync('systemd-analyze', ['verify', ...names.map((n) => path.join(dir, n))], { encoding: 'utf8' });
    const complaints = res.stderr.split('\n').filter((l) => l.trim() && l.includes(dir));
    expect(complaints).toEqual([]);
    expect(res.status).toBe(0);
  });
});
