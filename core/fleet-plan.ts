import { isDbPlanEmpty, planDb, type DbPlan } from './db-plan';
import { isDnsPlanEmpty, planDns, type ARecord, type DnsPlan } from './dns-plan';
import { isEipPlanEmpty, planEip, type EipPlan } from './eip-plan';
import type { Address, Instance, Subnet, Volume } from './fleet';
import { renderHosts, type RenderedHosts } from './hosts';
import type { ServerSlot } from './server-slots';
import { isScalePlanEmpty, planScale, type ScalePlan } from './scale-plan';

/** Everything the reconcilers look at, read once (by `shelfstack plan`, `status` and `apply`). */
export interface FleetObservation {
  instances: Instance[];
  addresses: Address[];
  /** The db slot's data volume(s), and the subnets a db replacement may launch in. */
  volumes: Volume[];
  subnets: Subnet[];
  record?: ARecord;
  hosts?: { text: string; etag: string; lastModified?: Date };
}

export interface FleetSettings {
  cluster: string;
  record: string;
  ttl: number;
  healthGrace: number;
  drainGrace: number;
  dbDevice: string;
  /** The stack's subnets (SHELFSTACK_SUBNETS): where the web slots' replacements start. */
  subnets?: readonly string[];
  /** The FTP and cache servers' launch templates: their slots are filled only when configured. */
  ftpLaunchTemplate?: string;
  cacheLaunchTemplate?: string;
}

/** Every reconciler's plan over one observation, as the functions would make them. */
export interface FleetPlan {
  hosts: RenderedHosts & { changed: boolean; previous?: string; etag?: string };
  dns: DnsPlan;
  eip: EipPlan;
  db: DbPlan;
  /** The terminate tick of scale: surge servers past TTL + grace out of DNS. */
  scale: ScalePlan;
}

/** dns alone, as apply plans it again after the addresses moved. */
export function planFleetDns(o: Pick<FleetObservation, 'instances' | 'addresses' | 'record'>, s: FleetSettings, now: Date): DnsPlan {
  return planDns(o.instances, o.addresses, o.record, { cluster: s.cluster, record: s.record, ttl: s.ttl, healthGraceSeconds: s.healthGrace }, now);
}

/** The address-less slots whose launch template is configured (core/server-slots.ts). */
export function serverSlotsOf(s: { ftpLaunchTemplate?: string; cacheLaunchTemplate?: string }): ServerSlot[] {
  return [...(s.ftpLaunchTemplate ? (['ftp'] as const) : []), ...(s.cacheLaunchTemplate ? (['cache'] as const) : [])];
}

export function planFleet(o: FleetObservation, s: FleetSettings, now: Date): FleetPlan {
  const rendered = renderHosts(s.cluster, o.instances, o.hosts?.text);
  return {
    hosts: { ...rendered, changed: rendered.text !== o.hosts?.text, previous: o.hosts?.text, etag: o.hosts?.etag },
    dns: planFleetDns(o, s, now),
    eip: planEip(o.instances, o.addresses, { cluster: s.cluster, healthGraceSeconds: s.healthGrace, subnets: s.subnets, serverSlots: serverSlotsOf(s) }, now),
    db: planDb(o.instances, o.volumes, { cluster: s.cluster, healthGraceSeconds: s.healthGrace, device: s.dbDevice, subnets: o.subnets }, now),
    scale: planScale(o.instances, o.record?.values ?? [], { action: 'terminate' }, { cluster: s.cluster, ttl: s.ttl, drainGraceSeconds: s.drainGrace }, now),
  };
}

export function countChanges(p: FleetPlan): number {
  return (
    (p.hosts.changed ? 1 : 0) +
    (p.dns.upsert ? 1 : 0) +
    p.dns.markDrained.length +
    p.dns.clearDrained.length +
    p.eip.launches.length +
    p.eip.servers.length +
    p.eip.associations.length +
    p.eip.stops.length +
    (p.db.launch ? 1 : 0) +
    (p.db.stop ? 1 : 0) +
    (p.db.detach ? 1 : 0) +
    (p.db.attach ? 1 : 0) +
    p.scale.launches.length +
    p.scale.drain.length +
    p.scale.terminate.length
  );
}

export function isFleetPlanEmpty(p: FleetPlan): boolean {
  return !p.hosts.changed && isDnsPlanEmpty(p.dns) && isEipPlanEmpty(p.eip) && isDbPlanEmpty(p.db) && isScalePlanEmpty(p.scale);
}
