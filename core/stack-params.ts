/**
 * The stack's fleet parameters (serverless.yml `params`), checked at package time so that a
 * missing or malformed one stops `serverless package` with its name instead of failing the deploy
 * half-way. Pure: the raw values come in as strings, the checked values go out.
 */
export class StackParamError extends Error {
  override name = 'StackParamError';
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`param ${param} ${message}`);
  }
}

export interface FleetParams {
  vpc: string;
  subnets: string[];
  zoneId: string;
  record: string;
  webSlots: number;
  instanceType: string;
  /** An AMI id, or a CloudFormation dynamic reference to the SSM parameter that holds one. */
  imageId: string;
  /** '' when SSH stays closed. */
  sshCidr: string;
  ftpCidr: string;
  /** The fleet functions' reserved concurrency; undefined when none is reserved. */
  fleetConcurrency: number | undefined;
  healthPort: number;
  /** Where the web servers' PHP keeps sessions (SHELFSTACK_SESSIONS), and the cache server's memcached memory. */
  sessions: 'mysql' | 'memcached';
  memcachedMemory: string;
}

/** FTP's passive data ports: the defaults of SHELFSTACK_FTP_PASV_MIN/MAX (core/config.ts). */
export { FTP_PASSIVE_PORTS } from './config';

const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12]\d|3[0-2])$/;
const RECORD = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

type Raw = Record<string, string | undefined>;

function required(raw: Raw, name: string, what: string): string {
  const value = raw[name]?.trim() ?? '';
  if (value === '') throw new StackParamError(name, `is required with the fleet on: ${what} (or fleet=false)`);
  return value;
}

function matching(name: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new StackParamError(name, `must be ${what} (got ${JSON.stringify(value)})`);
  return value;
}

function integer(raw: Raw, name: string, min: number, max: number): number {
  const value = raw[name]?.trim() ?? '';
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new StackParamError(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return Number(value);
}

/**
 * The round-robin record as the dns role's condition compares it (Route 53's normalized name):
 * lower case, no trailing dot. Anything else is refused with the form to pass instead.
 */
export function checkRecord(value: string): string {
  const normal = value.toLowerCase().replace(/\.$/, '');
  if (normal !== value) throw new StackParamError('record', `must be lower case without a trailing dot: pass ${JSON.stringify(normal)}`);
  return matching('record', value, RECORD, 'a DNS name such as www.example.com');
}

/** `ami`: an AMI id as is, or an SSM parameter name that CloudFormation resolves at deploy. */
function imageId(raw: Raw): string {
  const value = raw.ami?.trim() ?? '';
  if (/^ami-[0-9a-f]{8,17}$/.test(value)) return value;
  matching('ami', value, /^\/[A-Za-z0-9_./-]+$/, 'an AMI id (ami-…) or an SSM parameter name (/aws/service/…)');
  return `{{resolve:ssm:${value}}}`;
}

export function checkFleetParams(raw: Raw): FleetParams {
  const vpc = matching('vpc', required(raw, 'vpc', 'the VPC id of the servers'), /^vpc-[0-9a-f]{8,17}$/, 'a VPC id such as vpc-0abc12345def67890');
  const subnets = required(raw, 'subnets', 'the subnet ids of the servers, comma-separated')
    .split(',')
    .map((s) => s.trim());
  for (const s of subnets) matching('subnets', s, /^subnet-[0-9a-f]{8,17}$/, 'subnet ids separated by commas');
  const zoneId = matching('zoneId', required(raw, 'zoneId', 'the hosted zone of the record'), /^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id');
  const record = checkRecord(required(raw, 'record', 'the round-robin name such as www.example.com'));
  const ftpCidr = matching('ftpCidr', required(raw, 'ftpCidr', 'who may reach the FTP server, as a CIDR'), CIDR, 'an IPv4 CIDR such as 203.0.113.0/24');
  const ssh = raw.sshCidr?.trim() ?? '';
  const sshCidr = ssh === '' ? '' : matching('sshCidr', ssh, CIDR, "an IPv4 CIDR such as 203.0.113.7/32, or '' to keep SSH closed");
  const concurrency = raw.fleetConcurrency?.trim() ?? '';
  return {
    vpc,
    subnets,
    zoneId,
    record,
    webSlots: integer(raw, 'webSlots', 1, 20),
    instanceType: matching('instanceType', raw.instanceType?.trim() ?? '', /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'an EC2 instance type such as t4g.small'),
    imageId: imageId(raw),
    sshCidr,
    ftpCidr,
    fleetConcurrency: concurrency === '' ? undefined : integer(raw, 'fleetConcurrency', 1, 1000),
    healthPort: integer(raw, 'healthPort', 1, 65535),
    sessions: matching('sessions', raw.sessions?.trim() || 'mysql', /^(mysql|memcached)$/, "'mysql' or 'memcached'") as FleetParams['sessions'],
    memcachedMemory: matching('memcachedMemory', raw.memcachedMemory?.trim() || '1G', /^\d+[KMGT]?$/, 'a size such as 1G or 512M'),
  };
}

/** `fleet`: 'true' (default) or 'false'. */
export function checkFleetSwitch(value: string | undefined): boolean {
  const v = String(value ?? '').trim();
  if (v !== 'true' && v !== 'false') throw new StackParamError('fleet', `must be 'true' or 'false' (got ${JSON.stringify(v)})`);
  return v === 'true';
}
