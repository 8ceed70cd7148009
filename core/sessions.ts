/**
 * PHP sessions in MySQL and in memcached (issue 13): the settings' parsers, the key php-memcached
 * reads, and what remains of a session's lifetime. Pure: time is passed in.
 */
export const SESSION_STORES = ['mysql', 'memcached'] as const;
export type SessionStore = (typeof SESSION_STORES)[number];

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  /** From the URL; the command falls back to MYSQL_PWD. Never printed. */
  password?: string;
  database: string;
}

export interface SessionColumns {
  id: string;
  data: string;
  access: string;
}

export interface HostPort {
  host: string;
  port: number;
}

const IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/;
/** memcached's own limit on a key (binary and text protocols alike). */
const MAX_KEY_BYTES = 250;
/** memcached reads an expiry above 30 days as a Unix time, not a number of seconds. */
export const RELATIVE_EXPIRY_LIMIT = 30 * 86_400;

export function parseSessionStore(raw: string): SessionStore {
  if (!(SESSION_STORES as readonly string[]).includes(raw)) throw new Error(`must be mysql or memcached (got ${JSON.stringify(raw)})`);
  return raw as SessionStore;
}

/** `mysql://user[:password]@host[:port]/database`. The message of a bad URL never repeats it (it may hold a password). */
export function parseMysqlUrl(raw: string): MysqlTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be a URL such as mysql://user@host:3306/store');
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (url.protocol !== 'mysql:' || !url.hostname || !url.username || !IDENTIFIER.test(database)) {
    throw new Error('must be mysql://user[:password]@host[:port]/database');
  }
  const port = url.port ? Number(url.port) : 3306;
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    user: decodeURIComponent(url.username),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    database,
  };
}

/** `id,data,access`: the columns holding the session id, its serialized data, its last write (Unix seconds). */
export function parseSessionColumns(raw: string): SessionColumns {
  const names = raw.split(',').map((c) => c.trim());
  if (names.length !== 3 || !names.every((n) => IDENTIFIER.test(n)) || new Set(names).size !== 3) {
    throw new Error(`must be three column names: id,data,access (got ${JSON.stringify(raw)})`);
  }
  const [id, data, access] = names as [string, string, string];
  return { id, data, access };
}

export function parseHostPort(raw: string): HostPort {
  const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(raw) ?? /^([A-Za-z0-9.-]+)$/.exec(raw);
  const port = m?.[2] ? Number(m[2]) : 11211;
  if (!m || port < 1 || port > 65535) throw new Error(`must be host:port (got ${JSON.stringify(raw)})`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

export function parseKeyPrefix(raw: string): string {
  if (!/^[\x21-\x7e]{0,100}$/.test(raw)) throw new Error(`must be printable ASCII without spaces (got ${JSON.stringify(raw)})`);
  return raw;
}

/**
 * The key php-memcached's session handler reads for a session id (`memcached.sess_prefix` + id),
 * or undefined when memcached could not hold it (too long, spaces or control characters).
 */
export function sessionKey(prefix: string, id: string): string | undefined {
  const key = `${prefix}${id}`;
  if (id.length === 0 || Buffer.byteLength(key) > MAX_KEY_BYTES || /[\s\x00-\x20\x7f]/.test(key)) return undefined;
  return key;
}

/** Seconds a session written at `access` has left at `now`; 0 or less once expired. */
export function remainingLifetime(access: number, lifetime: number, now: number): number {
  return access + lifetime - now;
}

/**
 * The memcached expiry that ends a session when MySQL's would have: the seconds left, or the Unix
 * time when that exceeds memcached's 30-day limit for relative expiries. Undefined once expired.
 */
export function memcachedExpiry(access: number, lifetime: number, now: number): number | undefined {
  const left = remainingLifetime(access, lifetime, now);
  if (left <= 0) return undefined;
  return left > RELATIVE_EXPIRY_LIMIT ? access + lifetime : left;
}

/** Rows with `access` below this are expired for `gc` (PHP's own rule: older than gc_maxlifetime). */
export function gcCutoff(lifetime: number, now: number): number {
  return now - lifetime;
}

/**
 * Clocks differ between the web servers (which stamp `access`) and the database (whose clock the
 * migration reads): the final pass re-copies every session written since the start minus this much.
 */
export const CLOCK_SKEW_SECONDS = 60;

export function catchUpSince(startedAt: number): number {
  return startedAt - CLOCK_SKEW_SECONDS;
}
