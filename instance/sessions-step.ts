import { execFile } from 'node:child_process';
import { mkdir, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { HostPort, SessionStore } from '../core/sessions';
import { readPrivateAddress } from '../cloud/imds';
import { readIfExists, writeFileAtomic } from './atomic-file';
import { renderMemcachedConf, renderSessionsIni, SESSIONS_INI_NAME, SESSIONS_INI_PRIORITY } from './provision/sessions';

export interface SessionSettings {
  sessions: SessionStore;
  memcached: HostPort;
  sessionsLifetime: number;
  sessionsPrefix: string;
  memcachedMemory: number;
  /** The cache server's listen address; default: its private address from the instance metadata. */
  memcachedAddress?: string;
  /** PHP's configuration root (Debian 12: /etc/php/8.2), with mods-available/ and one folder per SAPI. */
  phpConfDir: string;
}

export interface SessionsStepOptions extends SessionSettings {
  roles: string[];
  /** Default /etc/memcached.conf (Debian's memcached reads it). */
  memcachedConf?: string;
  /** Applies a change to a running service; returns a note, or undefined when it did. */
  reload?: (service: 'apache2' | 'memcached') => Promise<string | undefined>;
  privateAddress?: () => Promise<string>;
}

const run = promisify(execFile);
const MEMCACHED_CONF = '/etc/memcached.conf';

/** Reloads a service that runs, and starts none (at first boot the role's units come after init). */
async function systemctlReload(service: 'apache2' | 'memcached'): Promise<string | undefined> {
  const verb = service === 'apache2' ? 'try-reload-or-restart' : 'try-restart';
  try {
    await run('systemctl', [verb, `${service}.service`], { timeout: 30_000 });
    return undefined;
  } catch (e: unknown) {
    return `${service} not reloaded (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): run systemctl ${verb} ${service}`;
  }
}

/**
 * Sessions at boot, by role. A web server: with SHELFSTACK_SESSIONS=memcached, PHP's session
 * settings as mods-available/shelfstack-sessions.ini, enabled in every SAPI (conf.d symlinks, as
 * phpenmod makes them); with mysql, neither (the store's own handler). A cache server:
 * /etc/memcached.conf on its private address. Each file is replaced atomically and only when it
 * differs; a change reloads the service using it.
 */
export async function applySessionSettings(opts: SessionsStepOptions): Promise<{ changes: string[]; notes: string[] }> {
  const changes: string[] = [];
  const notes: string[] = [];
  // Services are reloaded only for the system's own files: settings written elsewhere (a test's
  // folder, an operator's dry run) are no one's running configuration.
  const systemFiles = opts.phpConfDir.startsWith('/etc/php/') && (opts.memcachedConf ?? MEMCACHED_CONF) === MEMCACHED_CONF;
  const reload = opts.reload ?? (systemFiles ? systemctlReload : async (service: string) => `${service} not reloaded: these are not the system's files`);
  if (opts.roles.includes('web')) {
    const before = changes.length;
    await phpSessions(opts, changes);
    if (changes.length > before) {
      const note = await reload('apache2');
      if (note) notes.push(note);
    }
  }
  if (opts.roles.includes('cache')) {
    const file = opts.memcachedConf ?? MEMCACHED_CONF;
    const address = opts.memcachedAddress ?? (await (opts.privateAddress ?? readPrivateAddress)());
    const conf = renderMemcachedConf({ address, port: opts.memcached.port, memoryBytes: opts.memcachedMemory });
    if ((await readIfExists(file)) !== conf) {
      await writeFileAtomic(file, conf);
      changes.push(`${file}: memcached on ${address}:${opts.memcached.port}, ${Math.floor(opts.memcachedMemory / 1024 ** 2)} MB`);
      const note = await reload('memcached');
      if (note) notes.push(note);
    }
  }
  return { changes, notes };
}

async function phpSessions(opts: SessionsStepOptions, changes: string[]): Promise<void> {
  const ini = path.join(opts.phpConfDir, 'mods-available', `${SESSIONS_INI_NAME}.ini`);
  const text = renderSessionsIni({ store: opts.sessions, memcached: opts.memcached, lifetime: opts.sessionsLifetime, prefix: opts.sessionsPrefix });
  const links = (await sapiConfDirs(opts.phpConfDir)).map((d) => path.join(d, `${SESSIONS_INI_PRIORITY}-${SESSIONS_INI_NAME}.ini`));
  if (text === undefined) {
    // Links first: PHP never reads a link to a file that is gone.
    for (const link of links) if (await removeIfPresent(link)) changes.push(`${link}: removed (sessions back in MySQL)`);
    if (await removeIfPresent(ini)) changes.push(`${ini}: removed (SHELFSTACK_SESSIONS=mysql)`);
    return;
  }
  if ((await readIfExists(ini)) !== text) {
    await mkdir(path.dirname(ini), { recursive: true });
    await writeFileAtomic(ini, text);
    changes.push(`${ini}: sessions in memcached at ${opts.memcached.host}:${opts.memcached.port}`);
  }
  for (const link of links) {
    if ((await readlink(link).catch(() => undefined)) === ini) continue;
    const tmp = `${link}.${process.pid}.tmp`;
    await rm(tmp, { force: true });
    await symlink(ini, tmp);
    await rename(tmp, link);
    changes.push(`${link}: enabled`);
  }
}

/** The conf.d folders of the SAPIs PHP is installed for (apache2, cli, fpm …). */
async function sapiConfDirs(phpConfDir: string): Promise<string[]> {
  const entries = await readdir(phpConfDir, { withFileTypes: true }).catch(() => []);
  const dirs: string[] = [];
  for (const e of entries) {
    const confD = path.join(phpConfDir, e.name, 'conf.d');
    if (e.isDirectory() && e.name !== 'mods-available' && (await stat(confD).catch(() => undefined))?.isDirectory()) dirs.push(confD);
  }
  return dirs.sort();
}

async function removeIfPresent(file: string): Promise<boolean> {
  try {
    await rm(file);
    return true;
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
