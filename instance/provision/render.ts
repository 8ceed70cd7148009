import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { CLOUD_INIT_HOSTS_OVERRIDE } from '../../core/hosts-block';

/**
 * cloud-init user-data for each role: templates/common.yaml merged with templates/<role>.yaml,
 * the systemd units, /etc/shelfstack/env and the role's files added as write_files. Values are
 * checked against strict patterns before they are put into the YAML, so no value can change its
 * structure. One user-data serves every instance of a role (a launch template per role): what is
 * per instance (hostname, secrets, addresses) `shelfstack init` learns at boot.
 */
export const PROVISION_ROLES = ['web', 'db', 'ftp', 'cache'] as const;
export type ProvisionRole = (typeof PROVISION_ROLES)[number];

export interface ProvisionVars {
  cluster: string;
  bucket: string;
  region: string;
  /** The hosts' domain: a slot's hostname is `<slot>.<domain>`. */
  domain: string;
  nodeVersion: string;
  /** The `npm pack` tarball, `s3://<bucket>/<key>` (default `s3://<bucket>/artifacts/shelfstack.tgz`). */
  shelfstackPackage?: string;
  /** db: the device the volume is attached at (a hint; the volume is found by its label). */
  dataDevice?: string;
  /** web, ftp: the master copy for replication (`ssh://replserver//srv/www-master`, `replserver:/srv/www-master`). */
  replMaster?: string;
  /** db: the store's database (created with its user at boot, backed up hourly). */
  dbName?: string;
  /** web: the download cache's byte budget (default 20G) and age limit (default 7d). */
  cacheMaxBytes?: string;
  cacheMaxAge?: string;
  /** web: where PHP keeps sessions, `mysql` (default) or `memcached` (issue 13); cache: memcached's memory (default 1G). */
  sessions?: string;
  memcachedMemory?: string;
  /** Path of the shelfstack command in the units. */
  bin?: string;
}

const PATTERNS: Record<keyof ProvisionVars, RegExp> = {
  cluster: /^[a-z][a-z0-9-]{0,23}$/,
  bucket: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d$/,
  domain: /^[a-z0-9-]+(\.[a-z0-9-]+)+$/,
  nodeVersion: /^\d+\.\d+\.\d+$/,
  shelfstackPackage: /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[A-Za-z0-9/._-]+$/,
  dataDevice: /^\/dev\/[a-z0-9/]+$/,
  replMaster: /^[A-Za-z0-9@:/._-]+$/,
  dbName: /^[A-Za-z0-9_]{1,64}$/,
  cacheMaxBytes: /^\d+[KMGT]?$/,
  cacheMaxAge: /^\d+[smhd]?$/,
  sessions: /^(mysql|memcached)$/,
  memcachedMemory: /^\d+[KMGT]?$/,
  bin: /^\/[A-Za-z0-9/._-]+$/,
};

/** Where things listen on a web server. The health probe (SHELFSTACK_HEALTH_PORT) asks nginx. */
export const WEB_PORTS = { front: 80, download: 8080, cacheAdmin: 8081, store: 8000 } as const;
export const HEALTH_PORT = WEB_PORTS.front;
export const ENV_FILE = '/etc/shelfstack/env';
export const BOOT_ENV_FILE = '/etc/shelfstack/boot.env';
export const CACHE_DIR = '/var/cache/shelfstack';

const DIR = __dirname;
const UNITS_BY_ROLE: Record<ProvisionRole, string[]> = {
  web: ['shelfstack-init.service', 'shelfstack-agent.service', 'shelfstack-web.service', 'shelfstack-replication.service', 'shelfstack-replication.timer'],
  db: ['shelfstack-db-volume.service', 'shelfstack-init.service', 'shelfstack-agent.service', 'shelfstack-db-backup.service', 'shelfstack-db-backup.timer'],
  ftp: ['shelfstack-init.service', 'shelfstack-agent.service', 'shelfstack-ftp.service'],
  // memcached's own unit is Debian's; init writes its configuration (instance/sessions-step.ts).
  cache: ['shelfstack-init.service', 'shelfstack-agent.service'],
};
/** Where the web servers find memcached: the cache server's hosts-file name (contract 5). */
export const MEMCACHED_ADDRESS = 'cacheserver:11211';

interface FileEntry { path: string; permissions: string; content: string; defer?: boolean }

/** The role's own files, besides its units; `defer` ones are written after the packages are installed. */
function roleFiles(role: ProvisionRole): FileEntry[] {
  const file = (name: string) => readFileSync(path.join(DIR, 'files', name), 'utf8');
  if (role === 'web') {
    return [
      { path: '/etc/nginx/sites-available/shelfstack', permissions: '0644', content: file('nginx-site.conf').replaceAll('@CACHE_DIR@', CACHE_DIR) },
      // Before apache2 is installed (cloud-init keeps an existing conffile), so it never binds :80.
      { path: '/etc/apache2/ports.conf', permissions: '0644', content: file('apache-ports.conf') },
      { path: '/etc/apache2/sites-available/shelfstack.conf', permissions: '0644', content: file('apache-site.conf') },
      { path: '/etc/systemd/system/apache2.service.d/shelfstack.conf', permissions: '0644', content: file('apache2-boot-env.conf') },
    ];
  }
  if (role === 'db') {
    return [
      { path: '/usr/local/lib/shelfstack/db-volume.sh', permissions: '0755', content: file('db-volume.sh') },
      // After the packages: the package's own first start stays on /var/lib/mysql, not on a volume not yet attached.
      { path: '/etc/mysql/mariadb.conf.d/60-shelfstack.cnf', permissions: '0644', content: file('mariadb.cnf'), defer: true },
    ];
  }
  return [];
}

export function unitNames(): string[] {
  return readdirSync(path.join(DIR, 'units')).sort();
}

/** A unit file with the shelfstack command's path (and the db volume's device) filled in. */
export function renderUnit(name: string, bin = '/usr/local/bin/shelfstack', dataDevice = '/dev/sdf'): string {
  return readFileSync(path.join(DIR, 'units', name), 'utf8').replaceAll('@SHELFSTACK@', bin).replaceAll('@DATA_DEVICE@', dataDevice);
}

function fill(template: string, vars: Record<string, string | undefined>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`template needs ${name}`);
    return value;
  });
}

function envFile(role: ProvisionRole, v: ProvisionVars): string {
  const env: Record<string, string | undefined> = {
    SHELFSTACK_CLUSTER: v.cluster,
    SHELFSTACK_BUCKET: v.bucket,
    SHELFSTACK_DOMAIN: v.domain,
    SHELFSTACK_BOOT_ENV: BOOT_ENV_FILE,
    AWS_REGION: v.region,
  };
  if (role === 'web') {
    Object.assign(env, {
      SHELFSTACK_LISTING_DIR: '/var/lib/shelfstack/listing',
      SHELFSTACK_CACHE_DIR: CACHE_DIR,
      SHELFSTACK_CACHE_MAX_BYTES: v.cacheMaxBytes ?? '20G',
      SHELFSTACK_CACHE_MAX_AGE: v.cacheMaxAge ?? '7d',
      SHELFSTACK_CACHE_ADMIN_URL: `http://127.0.0.1:${WEB_PORTS.cacheAdmin}`,
      SHELFSTACK_REPL_MASTER: v.replMaster,
      SHELFSTACK_REPL_LOCAL_BASE: '/var/www',
      SHELFSTACK_REPL_STATE_DIR: '/var/lib/shelfstack/replication',
      SHELFSTACK_SESSIONS: v.sessions ?? 'mysql',
      SHELFSTACK_MEMCACHED: MEMCACHED_ADDRESS,
    });
  }
  if (role === 'cache') env.SHELFSTACK_MEMCACHED_MEMORY = v.memcachedMemory ?? '1G';
  if (role === 'ftp') {
    Object.assign(env, {
      SHELFSTACK_FTP_DIR: '/var/lib/shelfstack/ftp',
      SHELFSTACK_FTP_USERS: '/etc/shelfstack/ftp-users.json',
      SHELFSTACK_FTP_PORT: '21',
      SHELFSTACK_FTP_PASV_MIN: '30000',
      SHELFSTACK_FTP_PASV_MAX: '30100',
      SHELFSTACK_REPL_MASTER: v.replMaster,
    });
  }
  if (role === 'db') {
    Object.assign(env, {
      SHELFSTACK_DB_NAME: v.dbName,
      SHELFSTACK_DB_USER: 'shelfstack',
      SHELFSTACK_DB_ADMIN_SOCKET: '/run/mysqld/mysqld.sock',
    });
  }
  return Object.entries(env)
    .filter(([, value]) => value !== undefined)
    .map(([k, value]) => `${k}=${value}\n`)
    .join('');
}

export function renderUserData(role: ProvisionRole, vars: ProvisionVars): string {
  for (const [k, value] of Object.entries(vars)) {
    const pattern = PATTERNS[k as keyof ProvisionVars];
    if (!pattern) throw new Error(`unknown provisioning variable ${k}`);
    if (value !== undefined && !pattern.test(String(value))) throw new Error(`provisioning variable ${k} is malformed: ${JSON.stringify(value)}`);
  }
  if ((role === 'web' || role === 'ftp') && !vars.replMaster) throw new Error(`provisioning variable replMaster is required for ${role}`);
  if (role === 'db' && !vars.dbName) throw new Error('provisioning variable dbName is required for db');
  const values = { ...vars, shelfstackPackage: vars.shelfstackPackage ?? `s3://${vars.bucket}/artifacts/shelfstack.tgz` };
  const common = parse(fill(readFileSync(path.join(DIR, 'templates', 'common.yaml'), 'utf8'), values)) as Record<string, unknown[]>;
  const own = parse(fill(readFileSync(path.join(DIR, 'templates', `${role}.yaml`), 'utf8'), values)) as Record<string, unknown[]>;
  const merged: Record<string, unknown> = { ...common, ...own };
  for (const list of ['packages', 'runcmd'] as const) merged[list] = [...(common[list] ?? []), ...(own[list] ?? [])];
  merged.write_files = [
    { path: ENV_FILE, permissions: '0644', content: envFile(role, vars) },
    { path: '/etc/cloud/cloud.cfg.d/99-shelfstack.cfg', permissions: '0644', content: CLOUD_INIT_HOSTS_OVERRIDE },
    ...roleFiles(role),
    ...UNITS_BY_ROLE[role].map((name) => ({ path: `/etc/systemd/system/${name}`, permissions: '0644', content: renderUnit(name, vars.bin, vars.dataDevice) })),
  ];
  return `#cloud-config\n${stringify(merged, { lineWidth: 0 })}`;
}
