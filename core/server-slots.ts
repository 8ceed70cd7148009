import { clientToken, hasRole, healthOf, hourStamp, inCluster, isGone, TAG, type Instance } from './fleet';

/**
 * The slots that own no durable resource: one FTP server and one cache server per cluster. Such a
 * slot is filled when it has no instance that is healthy, starting or briefly impaired, from its
 * role's launch template, with a ClientToken from the lost instance (or the hour, with none left
 * to name), so a retried or duplicate run launches at most one. Membership is by role, not by
 * slot tag, so a server an operator launched by hand counts too. The lost server is left as it
 * is: nothing moves from it (no address, no volume), and hosts names only running servers.
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

export function planServerSlots(instances: readonly Instance[], s: ServerSlotSettings, now: Date): { launches: ServerSlotLaunch[]; waiting: { slot: string; reason: string }[] } {
  const launches: ServerSlotLaunch[] = [];
  const waiting: { slot: string; reason: string }[] = [];
  const ours = inCluster(instances, s.cluster);
  for (const slot of SERVER_SLOTS.filter((x) => s.slots.includes(x))) {
    const members = ours.filter((i) => hasRole(i, slot)).sort(newestFirst);
    const live = members.filter((i) => !isGone(i)).map((i) => ({ i, health: healthOf(i, now, s.healthGraceSeconds) }));
    if (live.some((m) => m.health === 'healthy')) continue;
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
  return { launches, waiting };
}
