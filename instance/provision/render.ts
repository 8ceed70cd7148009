import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { CLOUD_INIT_HOSTS_OVERRIDE } from '../../core/hosts-block';

/**
 * cloud-init user-data for each role: templates/common.yaml merged with templates/<role>.yaml,
 * the systemd units and /etc/shelfstack/env added as write_files. Values are checked against
 * strict patterns before they are put into the YAML, so no value can change its structure.
 */
export const PROVISION_ROLES = ['web', 'db', 'ftp'] as const;
export type ProvisionRole = (typeof PROVISION_ROLES)[number];

export interface ProvisionVars {
  cluster: string;
  bucket: string;
  region: string;
  hostname: string;
  domain: string;
  nodeVersion: string;
  /** What `npm install --global` installs: a tarball URL or a registry spec. */
  shelfstackPackage: string;
  /** db: the EBS volume's device. */
  dataDevice?: string;
  /** web, ftp: the master copy for replication (`ssh://replserver//srv/www-master`, `replserver:/srv/www-master`). */
  replMaster?: string;
  /** db: the database to back up. */
  dbName?: string;
  /** Path of the shelfstack command in the units. */
  bin?: string;
}

const PATTERNS: Record<keyof ProvisionVars, RegExp> = {
  cluster: /^[a-z][a-z0-9-]{0,23}$/,
  bucket: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d$/,
  hostname: /^[a-z][a-z0-9-]{0,62}$/,
  domain: /^[a-z0-9-]+(\.[a-z0-9-]+)+$/,
  nodeVersion: /^\d+\.\d+\.\d+$/,
  shelfstackPackage: /^[A-Za-z0-9@:/._~+-]+$/,
  dataDevice: /^\/dev\/[a-z0-9/]+$/,
  replMaster: /^[A-Za-z0-9@:/._-]+$/,
  dbName: /^[A-Za-z0-9_]{1,64}$/,
  bin: /^\/[A-Za-z0-9/._-]+$/,
};

const DIR = __dirname;
const UNITS_BY_ROLE: Record<ProvisionRole, string[]> = {
  web: ['shelfstack-init.service', 'shelfstack-agent.service', 'shelfstack-web.service', 'shelfstack-replication.service', 'shelfstack-replication.timer'],
  db: ['shelfstack-init.service', 'shelfstack-agent.service', 'shelfstack-db-backup.service', 'shelfstack-db-backup.timer'],
  ftp: ['shelfstack-init.service', 'shelfstack-agent.service', 'shelfstack-ftp.service'],
};
const TAG_ROLE: Record<ProvisionRole, string> = { web: 'web', db: 'db,repl', ftp: 'ftp' };

export function unitNames(): string[] {
  return readdirSync(path.join(DIR, 'units')).sort();
}

/** A unit file with the shelfstack command's path filled in. */
export function renderUnit(name: string, bin = '/usr/local/bin/shelfstack'): string {
  return readFileSync(path.join(DIR, 'units', name), 'utf8').replaceAll('@SHELFSTACK@', bin);
}

function fill(template: string, vars: ProvisionVars): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = vars[name as keyof ProvisionVars];
    if (value === undefined) throw new Error(`template needs ${name}`);
    return value;
  });
}

function envFile(role: ProvisionRole, v: ProvisionVars): string {
  const env: Record<string, string | undefined> = {
    SHELFSTACK_CLUSTER: v.cluster,
    SHELFSTACK_BUCKET: v.bucket,
    AWS_REGION: v.region,
    SHELFSTACK_ROLE: TAG_ROLE[role],
  };
  if (role === 'web') {
    Object.assign(env, {
      SHELFSTACK_LISTING_DIR: '/var/lib/shelfstack/listing',
      SHELFSTACK_CACHE_DIR: '/var/cache/shelfstack',
      SHELFSTACK_REPL_MASTER: v.replMaster,
      SHELFSTACK_REPL_STATE_DIR: '/var/lib/shelfstack/replication',
    });
  }
  if (role === 'ftp') Object.assign(env, { SHELFSTACK_FTP_DIR: '/var/lib/shelfstack/ftp', SHELFSTACK_REPL_MASTER: v.replMaster });
  if (role === 'db') Object.assign(env, { SHELFSTACK_DB_NAME: v.dbName });
  return Object.entries(env)
    .filter(([, value]) => value !== undefined)
    .map(([k, value]) => `${k}=${value}`)
    .join('\n') + '\n';
}

export function renderUserData(role: ProvisionRole, vars: ProvisionVars): string {
  for (const [k, value] of Object.entries(vars)) {
    const pattern = PATTERNS[k as keyof ProvisionVars];
    if (!pattern) throw new Error(`unknown provisioning variable ${k}`);
    if (value !== undefined && !pattern.test(String(value))) throw new Error(`provisioning variable ${k} is malformed: ${JSON.stringify(value)}`);
  }
  const common = parse(fill(readFileSync(path.join(DIR, 'templates', 'common.yaml'), 'utf8'), vars)) as Record<string, unknown[]>;
  const own = parse(fill(readFileSync(path.join(DIR, 'templates', `${role}.yaml`), 'utf8'), vars)) as Record<string, unknown[]>;
  const merged: Record<string, unknown> = { ...common, ...own };
  for (const list of ['packages', 'runcmd'] as const) merged[list] = [...(common[list] ?? []), ...(own[list] ?? [])];
  merged.write_files = [
    { path: '/etc/shelfstack/env', permissions: '0644', content: envFile(role, vars) },
    { path: '/etc/cloud/cloud.cfg.d/99-shelfstack.cfg', permissions: '0644', content: CLOUD_INIT_HOSTS_OVERRIDE },
    // Written before the packages are installed, so MariaDB initialises its data on the EBS volume.
    ...(role === 'db'
      ? [{ path: '/etc/mysql/mariadb.conf.d/60-shelfstack.cnf', permissions: '0644', content: '[mysqld]\ndatadir = /srv/mysql/data\n' }]
      : []),
    ...UNITS_BY_ROLE[role].map((name) => ({ path: `/etc/systemd/system/${name}`, permissions: '0644', content: renderUnit(name, vars.bin) })),
  ];
  return `#cloud-config\n${stringify(merged, { lineWidth: 0 })}`;
}
