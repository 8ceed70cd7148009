import { createHash } from 'node:crypto';
import { healthOf, inCluster, isGone, rolesOf, slotOf, TAG, type Address, type Instance } from './fleet';

export interface Launch {
  clientToken: string;
  tags: Record<string, string>;
  reason: string;
}

export interface Association {
  allocationId: string;
  publicIp: string;
  instanceId: string;
  /** Only when the address is held by an instance that is not a healthy one of its slot. */
  allowReassociation: boolean;
  from?: string;
}

export interface SlotWait {
  slot: string;
  reason: string;
}

export interface EipPlan {
  launches: Launch[];
  associations: Association[];
  waiting: SlotWait[];
}

export interface EipSettings {
  cluster: string;
  healthGraceSeconds: number;
}

// EC2 accepts client tokens of up to 64 ASCII characters.
function token(parts: string[]): string {
  const plain = parts.join('-');
  return plain.length <= 64 ? plain : `${parts[0]}-${createHash('sha256').update(plain).digest('hex').slice(0, 40)}`;
}

/**
 * The ClientToken of a slot's replacement: the slot and the instance it replaces, so a retried or
 * duplicate event launches at most one. With no instance of the slot left to name, the hour stands
 * in for it (instances terminated an hour ago have left DescribeInstances).
 */
export function replacementToken(cluster: string, slot: string, lostId: string | undefined, now: Date): string {
  const lost = lostId ?? `none${now.toISOString().slice(0, 13).replace(/\D/g, '')}`;
  return token(['eip', cluster, slot, lost]);
}

function newestFirst(a: Instance, b: Instance): number {
  return b.launchTime.getTime() - a.launchTime.getTime() || b.id.localeCompare(a.id);
}

/**
 * Each elastic IP of the cluster tagged with a slot belongs to that slot. The address stays with a
 * healthy instance of its slot; otherwise it moves to the newest healthy one; with none, the plan
 * waits for one that is starting or briefly impaired, or launches a replacement. An address held
 * outside the cluster, or any address or instance of another cluster, is never touched.
 */
export function planEip(instances: readonly Instance[], addresses: readonly Address[], s: EipSettings, now: Date): EipPlan {
  const plan: EipPlan = { launches: [], associations: [], waiting: [] };
  const ours = inCluster(instances, s.cluster);
  const byId = new Map(ours.map((i) => [i.id, i]));
  const health = (i: Instance) => healthOf(i, now, s.healthGraceSeconds);
  const seen = new Set<string>();

  for (const a of inCluster(addresses, s.cluster).sort((x, y) => x.allocationId.localeCompare(y.allocationId))) {
    const slot = slotOf(a);
    if (!slot) continue;
    if (seen.has(slot)) {
      plan.waiting.push({ slot, reason: `${a.publicIp} is a second address for the slot; left alone` });
      continue;
    }
    seen.add(slot);
    const members = ours.filter((i) => slotOf(i) === slot && !isGone(i)).sort(newestFirst);
    const holder = a.instanceId ? byId.get(a.instanceId) : undefined;
    if (a.instanceId && !holder) {
      plan.waiting.push({ slot, reason: `${a.publicIp} is held by ${a.instanceId}, which is not in the cluster; left alone` });
      continue;
    }
    if (holder && slotOf(holder) === slot && health(holder) === 'healthy') continue;

    const healthy = members.find((i) => health(i) === 'healthy');
    if (healthy) {
      plan.associations.push({ allocationId: a.allocationId, publicIp: a.publicIp, instanceId: healthy.id, allowReassociation: !!holder, from: holder?.id });
      continue;
    }
    const coming = members.find((i) => health(i) === 'starting' || health(i) === 'impaired');
    if (coming) {
      plan.waiting.push({ slot, reason: `${coming.id} is ${health(coming)}` });
      continue;
    }
    const lost = ours.filter((i) => slotOf(i) === slot).sort(newestFirst)[0];
    const roles = lost ? rolesOf(lost) : [];
    plan.launches.push({
      clientToken: replacementToken(s.cluster, slot, lost?.id, now),
      tags: { [TAG.cluster]: s.cluster, [TAG.role]: roles.length ? roles.join(',') : 'web', [TAG.slot]: slot },
      reason: lost ? `replaces ${lost.id} (${lost.state}, ${health(lost)})` : 'the slot has no instance',
    });
  }
  return plan;
}

export function isEipPlanEmpty(p: EipPlan): boolean {
  return p.launches.length === 0 && p.associations.length === 0;
}
