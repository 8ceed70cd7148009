/**
 * The fleet as the control plane sees it: instances and elastic IPs with the tags of the contract
 * (ARCHITECTURE.md, "EC2 tags"), and their health. Pure: the adapters in cloud/ec2.ts fill it in.
 */
import { createHash } from 'node:crypto';

export const TAG = {
  cluster: 'shelfstack:cluster',
  role: 'shelfstack:role',
  slot: 'shelfstack:slot',
  lifecycle: 'shelfstack:lifecycle',
  surge: 'shelfstack:surge',
  hostnames: 'shelfstack:hostnames',
  // When the instance's address left the DNS record (ISO 8601), set by dns; scale terminates from it.
  drainedAt: 'shelfstack:drained-at',
} as const;

export const DRAINING = 'draining';

export const ROLES = ['web', 'db', 'repl', 'ftp', 'cache'] as const;
export type Role = (typeof ROLES)[number];

export type InstanceState = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

/** EC2's instance and system status checks (DescribeInstanceStatus). */
export type CheckStatus = 'ok' | 'impaired' | 'initializing' | 'insufficient-data' | 'not-applicable';
export interface StatusChecks {
  instance: CheckStatus;
  system: CheckStatus;
  /** The earliest `ImpairedSince` of a failed check, when one failed. */
  impairedSince?: Date;
}

export interface Instance {
  id: string;
  state: InstanceState;
  launchTime: Date;
  privateIp?: string;
  publicIp?: string;
  clientToken?: string;
  /** Placement.AvailabilityZone: where a volume can be attached to it. */
  availabilityZone?: string;
  /** When the last state transition began, when EC2 says so (StateTransitionReason). */
  stateSince?: Date;
  tags: Record<string, string>;
  checks?: StatusChecks;
  /** The HTTP health probe's answer; undefined when the probe is off or was not run. */
  probeOk?: boolean;
}

export interface Address {
  allocationId: string;
  publicIp: string;
  instanceId?: string;
  associationId?: string;
  tags: Record<string, string>;
}

export function clusterOf(r: { tags: Record<string, string> }): string | undefined {
  return r.tags[TAG.cluster];
}

export function inCluster<T extends { tags: Record<string, string> }>(items: readonly T[], cluster: string): T[] {
  return items.filter((i) => clusterOf(i) === cluster);
}

export function rolesOf(i: Instance): Role[] {
  const raw = i.tags[TAG.role] ?? '';
  return raw
    .split(',')
    .map((r) => r.trim())
    .filter((r): r is Role => (ROLES as readonly string[]).includes(r));
}

export function hasRole(i: Instance, role: Role): boolean {
  return rolesOf(i).includes(role);
}

export function slotOf(r: { tags: Record<string, string> }): string | undefined {
  return r.tags[TAG.slot] || undefined;
}

export function isDraining(i: Instance): boolean {
  return i.tags[TAG.lifecycle] === DRAINING;
}

export function drainedAt(i: Instance): Date | undefined {
  const raw = i.tags[TAG.drainedAt];
  // An unparsable stamp counts as none: dns stamps the instance again, and scale waits.
  if (!raw) return undefined;
  const d = new Date(raw);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function isGone(i: Instance): boolean {
  return i.state === 'terminated' || i.state === 'shutting-down';
}

/**
 * - `healthy`: running, both status checks pass, and the HTTP probe (when on) answered 200;
 * - `starting`: pending, or running with checks still initializing (or no data yet);
 * - `impaired`: running but failing a check or the probe, for less than the grace period;
 * - `lost`: stopped, stopping, gone, or failing for longer than the grace period.
 */
export type Health = 'healthy' | 'starting' | 'impaired' | 'lost';

export function healthOf(i: Instance, now: Date, graceSeconds: number): Health {
  if (i.state === 'pending') return 'starting';
  if (i.state !== 'running') return 'lost';
  const c = i.checks;
  const failing = c && (c.instance === 'impaired' || c.system === 'impaired');
  if (failing) {
    const since = c.impairedSince ?? i.launchTime;
    return now.getTime() - since.getTime() > graceSeconds * 1000 ? 'lost' : 'impaired';
  }
  if (!c || c.instance !== 'ok' || (c.system !== 'ok' && c.system !== 'not-applicable')) return 'starting';
  if (i.probeOk === false) return 'impaired';
  return 'healthy';
}

/**
 * The address a web instance is reached at for round-robin DNS: a slot's server only while it holds
 * its slot's elastic IP (its own auto-assigned address is released when the elastic IP moves to
 * it, so it is never worth publishing); a server with no slot (a surge server) at its public IP.
 */
export function servingAddress(i: Instance, addresses: readonly Address[]): string | undefined {
  const slot = slotOf(i);
  if (!slot) return i.publicIp;
  return addresses.find((a) => a.instanceId === i.id && slotOf(a) === slot && clusterOf(a) === clusterOf(i))?.publicIp;
}

/** Web instances that belong in round-robin DNS, with the address they serve at: healthy, not draining, reachable. */
export function inServiceWeb(
  instances: readonly Instance[],
  addresses: readonly Address[],
  now: Date,
  graceSeconds: number,
): { instance: Instance; ip: string }[] {
  return instances
    .filter((i) => hasRole(i, 'web') && !isDraining(i) && healthOf(i, now, graceSeconds) === 'healthy')
    .map((instance) => ({ instance, ip: servingAddress(instance, addresses) }))
    .filter((s): s is { instance: Instance; ip: string } => s.ip !== undefined);
}

/**
 * The time in EC2's StateTransitionReason, e.g. "User initiated (2026-11-24 12:00:00 GMT)". The
 * API reference calls the field free text, so anything else is no time at all.
 */
export function transitionTime(reason: string | undefined): Date | undefined {
  const m = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) GMT\)/.exec(reason ?? '');
  return m ? new Date(`${m[1]}T${m[2]}Z`) : undefined;
}

/** EC2 accepts client tokens of up to 64 ASCII characters; longer ones keep their prefix and a hash. */
export function clientToken(parts: readonly string[]): string {
  const plain = parts.join('-');
  return plain.length <= 64 ? plain : `${parts[0]}-${createHash('sha256').update(plain).digest('hex').slice(0, 40)}`;
}

/** The hour, as a stand-in for a lost instance to name in a ClientToken when none is left. */
export function hourStamp(now: Date): string {
  return `none${now.toISOString().slice(0, 13).replace(/\D/g, '')}`;
}

/** An EBS volume (DescribeVolumes), with its attachments. */
export type VolumeState = 'creating' | 'available' | 'in-use' | 'deleting' | 'deleted' | 'error';
export type AttachmentState = 'attaching' | 'attached' | 'detaching' | 'detached' | 'busy';
export interface VolumeAttachment {
  instanceId: string;
  device: string;
  state: AttachmentState;
}
export interface Volume {
  id: string;
  state: VolumeState;
  availabilityZone: string;
  attachments: VolumeAttachment[];
  tags: Record<string, string>;
}

/** A subnet a replacement may be launched in (DescribeSubnets). */
export interface Subnet {
  id: string;
  availabilityZone: string;
}
