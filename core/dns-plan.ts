import { drainedAt, inCluster, inServiceWeb, isDraining, isGone, type Address, type Instance } from './fleet';

/** An A record as Route 53 holds it: values sorted. */
export interface ARecord {
  name: string;
  ttl: number;
  values: string[];
}

export interface DnsPlan {
  /** The UPSERT to make, or undefined when the record already holds the desired values. */
  upsert?: ARecord;
  current?: ARecord;
  /** What the record should hold; empty when no web server is healthy (then the record is left alone). */
  desired: string[];
  noHealthyWeb: boolean;
  /** Draining instances now out of DNS that must get `shelfstack:drained-at` = `at`. */
  markDrained: { instanceId: string; at: string }[];
  /** Instances whose `shelfstack:drained-at` no longer holds (no longer draining, or served again). */
  clearDrained: string[];
}

export interface DnsSettings {
  cluster: string;
  record: string;
  ttl: number;
  healthGraceSeconds: number;
}

function byIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let k = 0; k < 4; k++) if (pa[k] !== pb[k]) return (pa[k] ?? 0) - (pb[k] ?? 0);
  return 0;
}

export function sortIps(ips: Iterable<string>): string[] {
  return [...new Set(ips)].sort(byIp);
}

function sameRecord(a: ARecord | undefined, b: ARecord): boolean {
  return !!a && a.ttl === b.ttl && a.values.length === b.values.length && sortIps(a.values).every((v, k) => v === b.values[k]);
}

/**
 * Round-robin DNS: the record holds exactly the addresses of the cluster's healthy, non-draining
 * web instances, sorted, with the configured TTL: a slot's server by its slot's elastic IP, and
 * only while it holds it (a replacement's own public IP is released the moment the elastic IP
 * moves to it), a surge server by its public IP. It is never emptied: with no healthy web server
 * the record stays as it is and the plan says so (the caller logs an error and raises the alarm).
 * A draining instance whose address the record no longer holds (after the UPSERT) is stamped with
 * the time it left DNS, from which scale counts TTL + grace before terminating it. The stamp is
 * removed when the instance stops draining or is served again, so a server drained, put back and
 * drained again is counted from the last time it left, not the first.
 */
export function planDns(
  instances: readonly Instance[],
  addresses: readonly Address[],
  current: ARecord | undefined,
  s: DnsSettings,
  now: Date,
): DnsPlan {
  const ours = inCluster(instances, s.cluster);
  const desired = sortIps(inServiceWeb(ours, inCluster(addresses, s.cluster), now, s.healthGraceSeconds).map((w) => w.ip));
  const noHealthyWeb = desired.length === 0;
  const target: ARecord = { name: s.record, ttl: s.ttl, values: desired };
  const upsert = noHealthyWeb || sameRecord(current, target) ? undefined : target;
  const served = new Set(upsert ? upsert.values : (current?.values ?? []));
  const servedBefore = new Set(current?.values ?? []);
  // Stamped when it leaves: unstamped, or leaving with this very UPSERT (an older stamp is stale then).
  const leavesNow = (i: Instance) => i.publicIp !== undefined && servedBefore.has(i.publicIp);
  const markDrained = ours
    .filter((i) => isDraining(i) && !isGone(i) && (!drainedAt(i) || leavesNow(i)))
    .filter((i) => !i.publicIp || !served.has(i.publicIp))
    .map((i) => ({ instanceId: i.id, at: now.toISOString() }));
  const clearDrained = ours
    .filter((i) => drainedAt(i) && !isGone(i) && (!isDraining(i) || (i.publicIp !== undefined && served.has(i.publicIp))))
    .map((i) => i.id);
  return { upsert, current, desired, noHealthyWeb, markDrained, clearDrained };
}

export function isDnsPlanEmpty(p: DnsPlan): boolean {
  return !p.upsert && p.markDrained.length === 0 && p.clearDrained.length === 0;
}
