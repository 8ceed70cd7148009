import type { HostPort, SessionStore } from '../../core/sessions';

/**
 * What provisioning and `shelfstack init` write for sessions (issue 13): the web servers' PHP
 * session settings and the cache server's memcached configuration. Pure: the caller writes them.
 */

export interface SessionIniSettings {
  store: SessionStore;
  memcached: HostPort;
  lifetime: number;
  prefix: string;
}

/** The PHP module name: mods-available/<name>.ini, enabled as conf.d/30-<name>.ini in each SAPI. */
export const SESSIONS_INI_NAME = 'shelfstack-sessions';
export const SESSIONS_INI_PRIORITY = 30;

/**
 * The PHP settings that put sessions in memcached, or undefined for `mysql`: the store's own
 * MySQL session handler is set by its code, and PHP's settings stay as the packages left them.
 */
export function renderSessionsIni(s: SessionIniSettings): string | undefined {
  if (s.store === 'mysql') return undefined;
  const host = s.memcached.host.includes(':') ? `[${s.memcached.host}]` : s.memcached.host;
  return [
    `; priority=${SESSIONS_INI_PRIORITY}`,
    '; PHP sessions in memcached on the cache server (SHELFSTACK_SESSIONS=memcached).',
    '; Written by `shelfstack init`; SHELFSTACK_SESSIONS=mysql removes it. Do not edit by hand.',
    'session.save_handler = memcached',
    `session.save_path = "${host}:${s.memcached.port}"`,
    `session.gc_maxlifetime = ${s.lifetime}`,
    `memcached.sess_prefix = "${s.prefix}"`,
    '',
  ].join('\n');
}

export interface MemcachedConfSettings {
  /** The private address to listen on (never 0.0.0.0: the cache holds credentials). */
  address: string;
  port: number;
  memoryBytes: number;
  /** Most simultaneous connections (default 4096: a few per Apache worker on every web server). */
  maxConnections?: number;
  /** Debian's defaults; tests move them. */
  pidFile?: string;
  logFile?: string;
}

/** /etc/memcached.conf, in the format of Debian's memcached package (its wrapper reads it). */
export function renderMemcachedConf(s: MemcachedConfSettings): string {
  const memoryMb = Math.max(16, Math.floor(s.memoryBytes / 1024 ** 2));
  return [
    "# memcached for the web servers' PHP sessions. Written by `shelfstack init` at every boot, from",
    '# SHELFSTACK_MEMCACHED_MEMORY and this instance\'s private address; do not edit by hand.',
    '-u memcache',
    `-l ${s.address}`,
    `-p ${s.port}`,
    // UDP off: nothing uses it, and it is the amplification vector.
    '-U 0',
    `-m ${memoryMb}`,
    `-c ${s.maxConnections ?? 4096}`,
    `-P ${s.pidFile ?? '/var/run/memcached/memcached.pid'}`,
    `logfile ${s.logFile ?? '/var/log/memcached.log'}`,
    '',
  ].join('\n');
}
