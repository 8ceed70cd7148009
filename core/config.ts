import { ConfigError } from './errors';
import { parseScaleRules } from './scale-rules';
import { parseHostPort, parseKeyPrefix, parseMysqlUrl, parseSessionColumns, parseSessionStore } from './sessions';

/**
 * The configuration contract (ARCHITECTURE.md): every variable, how it parses, and its default.
 * A component asks for the keys it needs; a missing or malformed one fails the start with its name.
 */
const CLUSTER_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

type Parser<T> = (raw: string) => T;

/** FTP's default passive data ports; the stack opens the same range in the FTP security group. */
export const FTP_PASSIVE_PORTS = { min: 30000, max: 30100 } as const;

function text(raw: string): string {
  return raw;
}

function matching(pattern: RegExp, what: string): Parser<string> {
  return (raw) => {
    if (!pattern.test(raw)) throw new Error(`must be ${what} (got ${JSON.stringify(raw)})`);
    return raw;
  };
}

function positiveInt(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) <= 0 || !Number.isSafeInteger(Number(raw))) {
    throw new Error(`must be a positive integer (got ${JSON.stringify(raw)})`);
  }
  return Number(raw);
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * Bytes, with an optional K/M/G/T suffix, as operators write disk budgets. Units are binary
 * whichever way they are written: 20G, 20GB and 20GiB are all 20 × 1024³ bytes.
 */
export function parseBytes(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b?)$/i.exec(raw.trim());
  if (!m) throw new Error(`must be a size such as 20G, 20GB or 500000000 (got ${JSON.stringify(raw)})`);
  return Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? '').toLowerCase()]!);
}

/** A size that must hold something: a budget of 0 bytes would empty the cache on every sweep. */
function positiveBytes(raw: string): number {
  const bytes = parseBytes(raw);
  if (bytes < 1) throw new Error(`must be more than 0 bytes (got ${JSON.stringify(raw)})`);
  return bytes;
}

interface KeySpec {
  env: string;
  parse: Parser<unknown>;
  fallback?: string;
  /** A signing key, a password, a URL that may carry one: errors name the variable, never the value. */
  secret?: boolean;
}

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds, with an optional s/m/h/d suffix. */
export function parseSeconds(raw: string): number {
  const m = /^(\d+)\s*([smhd]?)$/i.exec(raw.trim());
  if (!m) throw new Error(`must be a duration such as 300, 90m or 7d (got ${JSON.stringify(raw)})`);
  return Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!;
}

function roles(raw: string): string[] {
  const list = raw.split(',').map((r) => r.trim()).filter(Boolean);
  const known = ['web', 'db', 'repl', 'ftp', 'cache'];
  const bad = list.filter((r) => !known.includes(r));
  if (list.length === 0 || bad.length) throw new Error(`must be roles from ${known.join(',')} (got ${JSON.stringify(raw)})`);
  return list;
}

function subnetIds(raw: string): string[] {
  const ids = raw.split(',').map((id) => id.trim()).filter(Boolean);
  const bad = ids.filter((id) => !/^subnet-[0-9a-f]{8,17}$/.test(id));
  if (bad.length) throw new Error(`must be subnet ids separated by commas (got ${JSON.stringify(bad[0])})`);
  return ids;
}

function positiveSeconds(raw: string): number {
  const seconds = parseSeconds(raw);
  if (seconds < 1) throw new Error(`must be more than 0 seconds (got ${JSON.stringify(raw)})`);
  return seconds;
}

const clusterName: Parser<string> = (raw) => {
  const name = matching(CLUSTER_PATTERN, 'lowercase letters, digits and dashes')(raw);
  // The cluster is part of signal queue names; "-signal" in it would blur the prefix of another cluster.
  if (name.length > 24 || name.includes('signal')) throw new Error(`must be at most 24 characters without "signal" (got ${JSON.stringify(raw)})`);
  return name;
};

const SPEC = {
  cluster: { env: 'SHELFSTACK_CLUSTER', parse: clusterName },
  bucket: { env: 'SHELFSTACK_BUCKET', parse: matching(BUCKET_PATTERN, 'an S3 bucket name') },
  zoneId: { env: 'SHELFSTACK_ZONE_ID', parse: matching(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id') },
  record: { env: 'SHELFSTACK_RECORD', parse: matching(/^[A-Za-z0-9.*-]+\.?$/, 'a DNS name') },
  ttl: { env: 'SHELFSTACK_TTL', parse: positiveInt, fallback: '300' },
  launchTemplate: { env: 'SHELFSTACK_LAUNCH_TEMPLATE', parse: text },
  listingDir: { env: 'SHELFSTACK_LISTING_DIR', parse: text },
  cacheDir: { env: 'SHELFSTACK_CACHE_DIR', parse: text },
  cacheMaxBytes: { env: 'SHELFSTACK_CACHE_MAX_BYTES', parse: positiveBytes },
  cacheMaxAge: { env: 'SHELFSTACK_CACHE_MAX_AGE', parse: positiveSeconds, fallback: '7d' },
  // secret: its value never appears in an error (the reason does).
  signingKey: { env: 'SHELFSTACK_SIGNING_KEY', parse: matching(/^.{16,}$/s, 'at least 16 characters'), secret: true },
  signingKeyPrevious: { env: 'SHELFSTACK_SIGNING_KEY_PREVIOUS', parse: matching(/^.{16,}$/s, 'at least 16 characters'), secret: true },
  instanceId: { env: 'SHELFSTACK_INSTANCE_ID', parse: matching(/^[A-Za-z0-9_-]{1,40}$/, 'an instance id') },
  role: { env: 'SHELFSTACK_ROLE', parse: roles },
  healthPath: { env: 'SHELFSTACK_HEALTH_PATH', parse: matching(/^\/\S*$/, 'a URL path starting with /') },
  // The fleet control plane (README, "Fleet").
  healthPort: { env: 'SHELFSTACK_HEALTH_PORT', parse: positiveInt, fallback: '80' },
  healthGrace: { env: 'SHELFSTACK_HEALTH_GRACE', parse: parseSeconds, fallback: '300' },
  drainGrace: { env: 'SHELFSTACK_DRAIN_GRACE', parse: parseSeconds, fallback: '120' },
  scaleRules: { env: 'SHELFSTACK_SCALE_RULES', parse: parseScaleRules, fallback: '[]' },
  // The instance tier (issue 5): boot init, agent, FTP ingest, replication, database backups.
  hostsFile: { env: 'SHELFSTACK_HOSTS_FILE', parse: text, fallback: '/etc/hosts' },
  cloudInitCfg: { env: 'SHELFSTACK_CLOUD_INIT_CFG', parse: text, fallback: '/etc/cloud/cloud.cfg.d/99-shelfstack.cfg' },
  cacheAdminUrl: { env: 'SHELFSTACK_CACHE_ADMIN_URL', parse: matching(/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/, 'a loopback http URL') },
  agentWaitSeconds: { env: 'SHELFSTACK_AGENT_WAIT_SECONDS', parse: positiveInt, fallback: '20' },
  agentFullSync: { env: 'SHELFSTACK_AGENT_FULL_SYNC', parse: parseSeconds, fallback: '15m' },
  ftpDir: { env: 'SHELFSTACK_FTP_DIR', parse: text, fallback: '/var/lib/shelfstack/ftp' },
  ftpUsers: { env: 'SHELFSTACK_FTP_USERS', parse: text, fallback: '/etc/shelfstack/ftp-users.json' },
  ftpHost: { env: 'SHELFSTACK_FTP_HOST', parse: text, fallback: '0.0.0.0' },
  ftpPort: { env: 'SHELFSTACK_FTP_PORT', parse: positiveInt, fallback: '21' },
  ftpPasvUrl: { env: 'SHELFSTACK_FTP_PASV_URL', parse: text },
  ftpPasvMin: { env: 'SHELFSTACK_FTP_PASV_MIN', parse: positiveInt, fallback: String(FTP_PASSIVE_PORTS.min) },
  ftpPasvMax: { env: 'SHELFSTACK_FTP_PASV_MAX', parse: positiveInt, fallback: String(FTP_PASSIVE_PORTS.max) },
  ftpTlsCert: { env: 'SHELFSTACK_FTP_TLS_CERT', parse: text },
  ftpTlsKey: { env: 'SHELFSTACK_FTP_TLS_KEY', parse: text },
  replMaster: { env: 'SHELFSTACK_REPL_MASTER', parse: text },
  replRoots: { env: 'SHELFSTACK_REPL_ROOTS', parse: text, fallback: 'samples,podcasts,images' },
  replLocalBase: { env: 'SHELFSTACK_REPL_LOCAL_BASE', parse: text, fallback: '/var/www' },
  replStateDir: { env: 'SHELFSTACK_REPL_STATE_DIR', parse: text, fallback: '/var/lib/shelfstack/replication' },
  dbHost: { env: 'SHELFSTACK_DB_HOST', parse: text, fallback: '127.0.0.1' },
  dbPort: { env: 'SHELFSTACK_DB_PORT', parse: positiveInt, fallback: '3306' },
  dbUser: { env: 'SHELFSTACK_DB_USER', parse: text, fallback: 'root' },
  dbName: { env: 'SHELFSTACK_DB_NAME', parse: matching(/^[A-Za-z0-9_$]{1,64}$/, 'a database name') },
  // Provisioning (issue 9): what `shelfstack init` learns at boot (slot, address, SSM secrets) and writes.
  domain: { env: 'SHELFSTACK_DOMAIN', parse: matching(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'a DNS domain') },
  bootEnvFile: { env: 'SHELFSTACK_BOOT_ENV', parse: text, fallback: '/etc/shelfstack/boot.env' },
  dbAdminSocket: { env: 'SHELFSTACK_DB_ADMIN_SOCKET', parse: text },
  // The db slot's reconciler (issue 9, dbslot): its launch template, the device its volume is
  // attached at (the db user-data mounts it by label).
  dbLaunchTemplate: { env: 'SHELFSTACK_DB_LAUNCH_TEMPLATE', parse: text },
  dbDevice: { env: 'SHELFSTACK_DB_DEVICE', parse: matching(/^\/dev\/(sd[f-p]|xvd[f-p])$/, 'a device name such as /dev/sdf'), fallback: '/dev/sdf' },
  // Sessions (issue 13): the web servers' PHP session store, the cache server, `shelfstack sessions`.
  sessions: { env: 'SHELFSTACK_SESSIONS', parse: parseSessionStore, fallback: 'mysql' },
  sessionsMysqlUrl: { env: 'SHELFSTACK_SESSIONS_MYSQL_URL', parse: parseMysqlUrl, secret: true },
  sessionsTable: { env: 'SHELFSTACK_SESSIONS_TABLE', parse: matching(/^[A-Za-z0-9_$]{1,64}$/, 'a table name'), fallback: 'sessions' },
  sessionsColumns: { env: 'SHELFSTACK_SESSIONS_COLUMNS', parse: parseSessionColumns, fallback: 'id,data,access' },
  sessionsLifetime: { env: 'SHELFSTACK_SESSIONS_LIFETIME', parse: positiveInt, fallback: '1440' },
  memcached: { env: 'SHELFSTACK_MEMCACHED', parse: parseHostPort, fallback: 'cacheserver:11211' },
  sessionsPrefix: { env: 'SHELFSTACK_SESSIONS_PREFIX', parse: parseKeyPrefix, fallback: 'memc.sess.key.' },
  memcachedMemory: { env: 'SHELFSTACK_MEMCACHED_MEMORY', parse: positiveBytes, fallback: '1G' },
  memcachedAddress: { env: 'SHELFSTACK_MEMCACHED_ADDRESS', parse: matching(/^[0-9.]{7,15}$|^[0-9a-fA-F:]{2,39}$/, 'an IP address') },
  phpConfDir: { env: 'SHELFSTACK_PHP_CONF_DIR', parse: text, fallback: '/etc/php/8.2' },
  // Where servers launch (issue 9, deploy2): the stack's subnets (web slot www<N> in the
  // (N-1)-th, surge servers round-robin, a db replacement in the first one in its volume's AZ),
  // and the web servers' security group, which a launch into a chosen subnet names itself.
  subnets: { env: 'SHELFSTACK_SUBNETS', parse: subnetIds },
  webSecurityGroup: { env: 'SHELFSTACK_WEB_SECURITY_GROUP', parse: matching(/^sg-[0-9a-f]{8,17}$/, 'a security group id') },
  // The address-less slots eip fills (core/server-slots.ts): each only when its template is set.
  ftpLaunchTemplate: { env: 'SHELFSTACK_FTP_LAUNCH_TEMPLATE', parse: text },
  cacheLaunchTemplate: { env: 'SHELFSTACK_CACHE_LAUNCH_TEMPLATE', parse: text },
} satisfies Record<string, KeySpec>;

type Spec = typeof SPEC;
export type ConfigKey = keyof Spec;
export type Config = { [K in ConfigKey]: ReturnType<Spec[K]['parse']> };
export type Env = Record<string, string | undefined>;

export function envName(key: ConfigKey): string {
  return SPEC[key].env;
}

/** Every key of the contract (`shelfstack doctor` checks those set). */
export function configKeys(): ConfigKey[] {
  return Object.keys(SPEC) as ConfigKey[];
}

/**
 * Reads the required keys (they must be set or have a default) and the optional ones (parsed when
 * set) from the environment. Throws a ConfigError naming the first variable at fault, or with
 * `{ allErrors: true }` (a server's start) one that names every variable at fault, one per line.
 */
export function loadConfig<R extends ConfigKey, O extends ConfigKey = never>(
  env: Env,
  required: readonly R[],
  optional: readonly O[] = [],
  mode: { allErrors?: boolean } = {},
): Pick<Config, R> & Partial<Pick<Config, O>> {
  const { config, errors } = readConfig(env, required, optional);
  if (mode.allErrors && errors.length > 1) throw new ConfigErrors(errors);
  if (errors.length) throw errors[0]!;
  return config;
}

/** Every key read, and a ConfigError for each one at fault (in the order asked). */
export function readConfig<R extends ConfigKey, O extends ConfigKey = never>(
  env: Env,
  required: readonly R[],
  optional: readonly O[] = [],
): { config: Pick<Config, R> & Partial<Pick<Config, O>>; errors: ConfigError[] } {
  const out: Partial<Config> = {};
  const errors: ConfigError[] = [];
  const read = (key: ConfigKey, mustHave: boolean) => {
    const spec: KeySpec = SPEC[key];
    const raw = env[spec.env]?.trim() || spec.fallback;
    if (raw === undefined) {
      if (mustHave) errors.push(new ConfigError(spec.env, 'is required but not set'));
      return;
    }
    try {
      (out as Record<string, unknown>)[key] = spec.parse(raw);
    } catch (e: unknown) {
      const reason = e instanceof Error ? e.message : String(e);
      errors.push(new ConfigError(spec.env, spec.secret ? withoutValue(reason, raw) : reason));
    }
  };
  required.forEach((k) => read(k, true));
  optional.forEach((k) => read(k, false));
  return { config: out as Pick<Config, R> & Partial<Pick<Config, O>>, errors };
}

/** A parser's reason without the value it quotes: `(got "…")` goes, and so does any copy of it. */
function withoutValue(reason: string, raw: string): string {
  return reason.replace(/\s*\(got [\s\S]*\)$/, '').split(raw).join('…');
}

/** Several variables at fault: each named on its own line. */
export class ConfigErrors extends ConfigError {
  override name = 'ConfigErrors';
  constructor(readonly errors: ConfigError[]) {
    super(errors.map((e) => e.variable).join(', '), `are not usable:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
}

/** `KEY=VALUE` lines of a `--config FILE` (comments with #, optional quotes). The environment wins over it. */
export function parseConfigFile(textContent: string, fileName: string): Env {
  const env: Env = {};
  textContent.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*=\s*(.*)$/.exec(trimmed);
    if (!m) throw new ConfigError(`${fileName}:${i + 1}`, 'is not a KEY=VALUE line');
    env[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
  });
  return env;
}
