import { createHash } from 'node:crypto';
import { surgeSubnet } from './placement';
import { drainedAt, hasRole, inCluster, isDraining, isGone, TAG, DRAINING, type Instance } from './fleet';

export type ScaleAction =
  | { action: 'scale-out'; rule: string; count: number; date: string }
  | { action: 'drain'; rule?: string }
  | { action: 'terminate' };

export interface ScalePlan {
  /** subnetId: round-robin over the stack's subnets (core/placement.ts); undefined with none configured. */
  launches: { clientToken: string; tags: Record<string, string>; subnetId?: string }[];
  drain: string[];
  terminate: string[];
  /** Drained surge instances still inside TTL + grace, with the time they may go. */
  waiting: { instanceId: string; notBefore: string }[];
}

export interface ScaleSettings {
  cluster: string;
  ttl: number;
  drainGraceSeconds: number;
  subnets?: readonly string[];
}

const EMPTY = (): ScalePlan => ({ launches: [], drain: [], terminate: [], waiting: [] });

/** Per rule, date and index, so a repeated scale-out for the same day launches nothing twice. */
export function surgeToken(cluster: string, rule: string, date: string, index: number): string {
  const plain = ['surge', cluster, rule, date, String(index)].join('-');
  return plain.length <= 64 ? plain : `surge-${createHash('sha256').update(plain).digest('hex').slice(0, 40)}`;
}

function surgeOf(i: Instance): string | undefined {
  return i.tags[TAG.surge] || undefined;
}

function planScaleOut(ours: Instance[], a: { rule: string; count: number; date: string }, s: ScaleSettings): ScalePlan {
  const plan = EMPTY();
  const launched = new Set(ours.map((i) => i.clientToken).filter(Boolean));
  for (let k = 1; k <= a.count; k++) {
    const clientToken = surgeToken(s.cluster, a.rule, a.date, k);
    if (!launched.has(clientToken)) {
      plan.launches.push({ clientToken, tags: { [TAG.cluster]: s.cluster, [TAG.role]: 'web', [TAG.surge]: a.rule }, subnetId: surgeSubnet(k, s.subnets) });
    }
  }
  return plan;
}

/**
 * A drained surge instance goes once it has been out of DNS (`shelfstack:drained-at`, set by dns)
 * for the record's TTL plus a grace period, and only if the record really no longer holds its
 * address. Only surge instances of the cluster are ever terminated.
 */
function planTerminate(ours: Instance[], dnsValues: readonly string[], s: ScaleSettings, now: Date): ScalePlan {
  const plan = EMPTY();
  const served = new Set(dnsValues);
  for (const i of ours) {
    if (!surgeOf(i) || !isDraining(i) || isGone(i)) continue;
    const since = drainedAt(i);
    if (!since || (i.publicIp && served.has(i.publicIp))) continue;
    const notBefore = new Date(since.getTime() + (s.ttl + s.drainGraceSeconds) * 1000);
    if (now.getTime() >= notBefore.getTime()) plan.terminate.push(i.id);
    else plan.waiting.push({ instanceId: i.id, notBefore: notBefore.toISOString() });
  }
  return plan;
}

export function planScale(
  instances: readonly Instance[],
  dnsValues: readonly string[],
  action: ScaleAction,
  s: ScaleSettings,
  now: Date,
): ScalePlan {
  const ours = inCluster(instances, s.cluster);
  if (action.action === 'scale-out') return planScaleOut(ours, action, s);
  if (action.action === 'drain') {
    const plan = EMPTY();
    plan.drain = ours
      .filter((i) => hasRole(i, 'web') && surgeOf(i) && (!action.rule || surgeOf(i) === action.rule) && !isDraining(i) && !isGone(i))
      .map((i) => i.id);
    return plan;
  }
  return planTerminate(ours, dnsValues, s, now);
}

export const DRAIN_TAGS = { [TAG.lifecycle]: DRAINING };

export function isScalePlanEmpty(p: ScalePlan): boolean {
  return p.launches.length === 0 && p.drain.length === 0 && p.terminate.length === 0;
}
