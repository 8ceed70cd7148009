import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QObject, Tags } from './ec2/query';

/**
 * Everything the emulator knows, as one JSON document. Times are epoch milliseconds; a resource
 * in a passing state carries `next` (the state it reaches and when), so after a restart the
 * clock simply catches up.
 */
export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
export interface Next<S> {
  state: S;
  at: number;
}

export interface InstanceRec {
  id: string;
  reservationId: string;
  launchIndex: number;
  imageId: string;
  instanceType: string;
  subnetId: string;
  az: string;
  privateIp: string;
  /** The auto-assigned public address (none while an elastic IP is associated, or when stopped). */
  publicIp?: string;
  wantsPublicIp: boolean;
  state: InstanceState;
  next?: Next<InstanceState>;
  launchTime: number;
  /** When the status checks of a running instance turn from initializing to ok. */
  checksOkAt?: number;
  impairedSince?: number;
  terminatedAt?: number;
  reason: string;
  clientToken?: string;
  template?: { id: string; version: number };
  userData?: string;
  rootVolumeId: string;
  tags: Tags;
}

export type VolumeState = 'creating' | 'available' | 'in-use' | 'deleted';
export type AttachmentState = 'attaching' | 'attached' | 'detaching';
export interface VolumeRec {
  id: string;
  size: number;
  az: string;
  volumeType: string;
  createTime: number;
  state: VolumeState;
  next?: Next<VolumeState>;
  attachment?: { instanceId: string; device: string; state: AttachmentState; attachTime: number; deleteOnTermination: boolean; next?: Next<AttachmentState | 'detached'> };
  tags: Tags;
}

export interface AddressRec {
  allocationId: string;
  publicIp: string;
  instanceId?: string;
  associationId?: string;
  tags: Tags;
}

export interface SubnetRec {
  id: string;
  vpcId: string;
  az: string;
  cidr: string;
  mapPublicIpOnLaunch: boolean;
  tags: Tags;
}

export interface TemplateRec {
  id: string;
  name: string;
  createTime: number;
  defaultVersion: number;
  /** Each version's LaunchTemplateData as the query protocol sent it. */
  versions: { number: number; data: QObject; createTime: number; description?: string }[];
  tags: Tags;
}

export interface RecordRec {
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  setIdentifier?: string;
  alias?: { hostedZoneId: string; dnsName: string; evaluateTargetHealth: boolean };
}

export interface ZoneRec {
  id: string;
  name: string;
  callerReference: string;
  comment?: string;
  privateZone: boolean;
  records: RecordRec[];
}

export interface ChangeRec {
  id: string;
  zoneId?: string;
  submittedAt: number;
  insyncAt: number;
  comment?: string;
}

export interface FleetState {
  version: 1;
  instances: InstanceRec[];
  volumes: VolumeRec[];
  addresses: AddressRec[];
  subnets: SubnetRec[];
  templates: TemplateRec[];
  /** RunInstances' ClientTokens: the reservation each launched and a fingerprint of its request. */
  tokens: Record<string, { reservationId: string; fingerprint: string }>;
  /** The last host number handed out in each address pool (rolling, so a freed address waits). */
  counters: Record<string, number>;
  zones: ZoneRec[];
  changes: ChangeRec[];
}

export function emptyState(): FleetState {
  return { version: 1, instances: [], volumes: [], addresses: [], subnets: [], templates: [], tokens: {}, counters: {}, zones: [], changes: [] };
}

/** AWS-looking ids: `i-` and 17 hex digits, Route 53's `Z`/`C` and 20 of [0-9A-Z]. */
export function ec2Id(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

export function route53Id(prefix: 'Z' | 'C'): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return prefix + [...randomBytes(20)].map((b) => alphabet[b % alphabet.length]).join('');
}

export const STATE_FILE = 'state.json';

/** A state file the emulator cannot read: it stops rather than start over an unknown fleet. */
export class FleetStateError extends Error {
  override name = 'FleetStateError';
}

export function loadState(dir: string): FleetState {
  let text: string;
  try {
    text = readFileSync(join(dir, STATE_FILE), 'utf8');
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw e;
  }
  let parsed: FleetState;
  try {
    parsed = JSON.parse(text) as FleetState;
  } catch (e: unknown) {
    throw new FleetStateError(`${join(dir, STATE_FILE)} is not JSON; move it away to start with an empty fleet`, { cause: e });
  }
  if (parsed?.version !== 1) throw new FleetStateError(`${join(dir, STATE_FILE)}: unknown state version ${String(parsed?.version)}`);
  return parsed;
}

/** Written whole to a temp file in the same directory, then renamed: a reader never sees half. */
export function saveState(dir: string, state: FleetState): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${STATE_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, join(dir, STATE_FILE));
}
