import { slotSubnet } from './placement';
import { planServerSlots, type ServerSlot, type ServerSlotLaunch } from './server-slots';
import { clientToken, healthOf, hourStamp, inCluster, isGone, rolesOf, slotOf, TAG, type Address, type Instance } from './fleet';

export interface Launch {
  clientToken: string;
  tags: Record<string, string>;
  reason: string;
  /** The slot's subnet (core/placement.ts); undefined with no subnets configured. */
  subnetId?: string;
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

/** A slot's old server, stopped once its replacement holds the address so it cannot serve again. */
export interface SlotStop {
  instanceId: string;
  slot: string;
  reason: string;
}

export interface EipPlan {
  launches: Launch[];
  associations: Association[];
  stops: SlotStop[];
  waiting: SlotWait[];
  /** The FTP and cache slots' launches (core/server-slots.ts). */
  servers: ServerSlotLaunch[];
}

export interface EipSettings {
  cluster: string;
  healthGraceSeconds: number;
  /** The stack's subnets, in order: a slot's replacement starts in its own (core/placement.ts). */
  subnets?: readonly string[];
  /** The address-less slots to fill too (those whose launch template is configured). */
  serverSlots?: readonly ServerSlot[];
}

/**
 * The ClientToken of a slot's replacement: the slot and the instance it replaces, so a retried or
 * duplicate event launches at most one. With no instance of the slot left to name, the hour stands
 * in for it (instances terminated an hour ago have left DescribeInstances).
 */
export function replacementToken(cluster: string, slot: string, lostId: string | undefined, now: Date): string {
  return clientToken(['eip', cluster, slot, lostId ?? hourStamp(now)]);
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
  const servers = planServerSlots(instances, { cluster: s.cluster, healthGraceSeconds: s.healthGraceSeconds, slots: s.serverSlots ?? [] }, now);
  const plan: EipPlan = { launches: [], associations: [], stops: [...servers.stops], waiting: [...servers.waiting], servers: servers.launches };
  const ours = inCluster(instances, s.cluster);
  const byId = new Map(ours.map((i) => [i.id, i]));
  const health = (i: Instance) => healthOf(i, now, s.healthGraceSeconds);
  const seen = new Set<string>();
  // Who holds which of the cluster's addresses: a server holding another address than the one being
  // moved (a second address of its slot, left alone) keeps serving it and is never stopped.
  const holding = inCluster(addresses, s.cluster).filter((x) => x.instanceId);
  const holdsOther = (a: Address) => new Set(holding.filter((x) => x.allocationId !== a.allocationId).map((x) => x.instanceId!));

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
    if (holder && slotOf(holder) === slot && health(holder) === 'healthy') {
      plan.stops.push(...replacedServers(members, holder, holdsOther(a), s, now));
      continue;
    }

    const healthy = members.find((i) => health(i) === 'healthy');
    if (healthy) {
      plan.associations.push({ allocationId: a.allocationId, publicIp: a.publicIp, instanceId: healthy.id, allowReassociation: !!holder, from: holder?.id });
      // Applied after the association is verified, so only once the replacement holds the address.
      plan.stops.push(...replacedServers(members, healthy, holdsOther(a), s, now));
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
      subnetId: slotSubnet(slot, s.subnets),
    });
  }
  return plan;
}

/**
 * The slot's other running servers that the healthy holder replaced (its ClientToken names them)
 * or that fail their checks past the grace period. Stopped, not terminated: the instance and its
 * disks stay for a post-mortem, a stopped instance counts as lost everywhere, and it releases its
 * public IP, so neither dns nor an operator's old bookmark can send customers to it again.
 */
function replacedServers(members: readonly Instance[], holder: Instance, holdsOther: ReadonlySet<string>, s: EipSettings, now: Date): SlotStop[] {
  const slot = slotOf(holder)!;
  return members
    .filter((m) => m.id !== holder.id && m.state === 'running' && !holdsOther.has(m.id))
    .filter((m) => holder.clientToken === replacementToken(s.cluster, slot, m.id, now) || healthOf(m, now, s.healthGraceSeconds) === 'lost')
    .map((m) => ({ instanceId: m.id, slot, reason: `${holder.id} holds the slot's address in its place` }));
}

export function isEipPlanEmpty(p: EipPlan): boolean {
  return p.launches.length === 0 && p.associations.length === 0 && p.stops.length === 0 && p.servers.length === 0;
}
