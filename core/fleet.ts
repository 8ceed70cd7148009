/**
 * The fleet as the control plane sees it: instances and elastic IPs with the tags of the contract
 * (ARCHITECTURE.md, "EC2 tags"), and their health. Pure: the adapters in cloud/ec2.ts fill it in.
 */
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

/** Web instances that belong in round-robin DNS: healthy, not draining, with a public address. */
export function inServiceWeb(instances: readonly Instance[], now: Date, graceSeconds: number): Instance[] {
  return instances.filter(
    (i) => hasRole(i, 'web') && !isDraining(i) && i.publicIp !== undefined && healthOf(i, now, graceSeconds) === 'healthy',
  );
}
