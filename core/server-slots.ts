import { clientToken, hasRole, healthOf, hourStamp, inCluster, isGone, slotOf, TAG, type Instance } from './fleet';

/**
 * The slots that own no durable resource: one FTP server and one cache server per cluster. Such a
 * slot is filled when it has no instance that is healthy, starting or briefly impaired, from its
 * role's launch template, with a ClientToken from the lost instance (or the hour, with none left
 * to name), so a retried or duplicate run launches at most one. Membership is by role, not by
 * slot tag, so a server an operator launched by hand counts too. Nothing moves from a lost server
 * (no address, no volume), but one still running (failing its checks past the grace) is stopped
 * once the slot has a healthy server again: hosts names the longest-running server of a role, so
 * it would keep `ftpserver` or `cacheserver` otherwise. Only servers tagged with the slot are
 * stopped (EipRole may stop no other), so a hand-launched one is reported instead.
 */
export const SERVER_SLOTS = ['ftp', 'cache'] as const;
export type ServerSlot = (typeof SERVER_SLOTS)[number];

export interface ServerSlotLaunch {
  slot: ServerSlot;
  clientToken: string;
  tags: Record<string, string>;
  reason: string;
}

export interface ServerSlotSettings {
  cluster: string;
  healthGraceSeconds: number;
  /** The slots to fill: those whose launch template is configured. */
  slots: readonly ServerSlot[];
}

export function serverSlotToken(cluster: string, slot: ServerSlot, lostId: string | undefined, now: Date): string {
  return clientToken([slot, cluster, lostId ?? hourStamp(now)]);
}

const newestFirst = (a: Instance, b: Instance) => b.launchTime.getTime() - a.launchTime.getTime() || b.id.localeCompare(a.id);

export interface ServerSlotPlan {
  launches: ServerSlotLaunch[];
  stops: { instanceId: string; slot: string; reason: string }[];
  waiting: { slot: string; reason: string }[];
}

export function planServerSlots(instances: readonly Instance[], s: ServerSlotSettings, now: Date): ServerSlotPlan {
  const plan: ServerSlotPlan = { launches: [], stops: [], waiting: [] };
  const { launches, waiting } = plan;
  const ours = inCluster(instances, s.cluster);
  for (const slot of SERVER_SLOTS.filter((x) => s.slots.includes(x))) {
    const members = ours.filter((i) => hasRole(i, slot)).sort(newestFirst);
    const live = members.filter((i) => !isGone(i)).map((i) => ({ i, health: healthOf(i, now, s.healthGraceSeconds) }));
    const healthy = live.find((m) => m.health === 'healthy');
    if (healthy) {
      for (const m of live.filter((x) => x.health === 'lost' && x.i.state === 'running')) {
        const reason = `${healthy.i.id} serves the slot; ${m.i.id} fails its checks past the grace`;
        if (slotOf(m.i) === slot) plan.stops.push({ instanceId: m.i.id, slot, reason });
        else waiting.push({ slot, reason: `${reason}, but has no ${TAG.slot}=${slot} tag: stop it by hand` });
      }
      continue;
    }
    const coming = live.find((m) => m.health === 'starting' || m.health === 'impaired');
    if (coming) {
      waiting.push({ slot, reason: `${coming.i.id} is ${coming.health}` });
      continue;
    }
    const lost = members[0];
    launches.push({
      slot,
      clientToken: serverSlotToken(s.cluster, slot, lost?.id, now),
      tags: { [TAG.cluster]: s.cluster, [TAG.role]: slot, [TAG.slot]: slot },
      reason: lost ? `replaces ${lost.id} (${lost.state})` : 'the slot has no instance',
    });
  }
  return plan;
}
