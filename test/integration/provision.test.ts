import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { PROVISION_ROLES, renderUnit, renderUserData, unitNames, type ProvisionVars } from '../../instance/provision/render';
import { tempDir } from '../support/emulators';

const ROOT = path.resolve(__dirname, '../..');
const vars: ProvisionVars = {
  cluster: 'main',
  bucket: 'shelfstack-main-123456789012-eu-west-1',
  region: 'eu-west-1',
  hostname: 'www1',
  domain: 'shop.example.com',
  nodeVersion: '20.19.5',
  shelfstackPackage: 'https://releases.example.com/shelfstack-0.1.0.tgz',
  dataDevice: '/dev/nvme1n1',
  replMaster: 'ssh://replserver//srv/www-master',
  dbName: 'shop',
};

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

describe('provisioning', () => {
  it.each(PROVISION_ROLES)('renders %s user-data that passes cloud-init\'s own schema check', async (role) => {
    const text = renderUserData(role, vars);
    const doc = parse(text) as { manage_etc_hosts: boolean; runcmd: unknown[]; write_files: { path: string; content: string }[] };
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(doc.manage_etc_hosts).toBe(false);
    expect(JSON.stringify(doc.runcmd)).toContain('shelfstack-init.service');
    expect(doc.write_files.find((f) => f.path === '/etc/shelfstack/env')!.content).toContain('SHELFSTACK_CLUSTER=main\n');
    const file = path.join(await tempDir('shelfstack-prov-'), `${role}.yaml`);
    await writeFile(file, text);
    const res = spawnSync('cloud-init', ['schema', '-c', file], { encoding: 'utf8' });
    expect(`${res.stdout}${res.stderr}`).toMatch(/Valid cloud-config/);
    expect(res.status).toBe(0);
  });

  it('puts MariaDB\'s data on the EBS volume for db, and Apache with PHP on web', () => {
    const db = renderUserData('db', vars);
    expect(db).toContain('datadir = /srv/mysql/data');
    expect(db).toContain('/dev/nvme1n1');
    expect(db).toContain('mariadb-server');
    const web = renderUserData('web', vars);
    expect(web).toContain('apache2');
    expect(web).toContain('libapache2-mod-php');
  });

  it('refuses a variable that could change the YAML\'s structure', () => {
    expect(() => renderUserData('web', { ...vars, hostname: "www1'\nruncmd: [reboot]" })).toThrow(/hostname is malformed/);
  });

  it('ships units that systemd-analyze verify accepts, each with Restart=on-failure and sandboxing', async () => {
    const dir = await tempDir('shelfstack-units-');
    const names = unitNames();
    for (const name of names) {
      const text = renderUnit(name, path.join(ROOT, 'bin', 'shelfstack.js'));
      await writeFile(path.join(dir, name), text);
      if (name.endsWith('.service')) {
        for (const line of ['Restart=on-failure', 'NoNewPrivileges=yes']) expect(`${name}: ${text}`).toContain(line);
        expect(text).toMatch(/^ProtectSystem=(true|full|strict)$/m);
        expect(text).toMatch(/^ReadWritePaths=\//m);
      }
    }
    expect(names).toEqual(expect.arrayContaining(['shelfstack-web.service', 'shelfstack-agent.service', 'shelfstack-ftp.service', 'shelfstack-replication.timer', 'shelfstack-db-backup.timer']));
    if (!have('systemd-analyze')) return; // "where it is available"
    const res = spawnSync('systemd-analyze', ['verify', ...names.map((n) => path.join(dir, n))], { encoding: 'utf8' });
    const complaints = res.stderr.split('\n').filter((l) => l.trim() && l.includes(dir));
    expect(complaints).toEqual([]);
    expect(res.status).toBe(0);
  });
});
