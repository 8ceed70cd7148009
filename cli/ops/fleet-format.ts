import { isDbPlanEmpty, type DbPlan } from '../../core/db-plan';
import { isEipPlanEmpty } from '../../core/eip-plan';
import { countChanges, type FleetObservation, type FleetPlan } from '../../core/fleet-plan';
import { drainedAt, healthOf, isDraining, rolesOf, slotOf, TAG, type Instance } from '../../core/fleet';
import { parseHosts } from '../../core/hosts';
import type { FleetConfig } from './fleet';

/** "3m ago", "2h ago": ages an operator reads at a glance. */
export function age(then: Date | undefined, now: Date): string {
  if (!then) return 'never';
  const s = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

function hostsDiff(previous: string | undefined, next: string): string[] {
  const before = parseHosts(previous ?? '');
  const after = parseHosts(next);
  const names = [...new Set([...before.keys(), ...after.keys()])];
  const lines: string[] = [];
  for (const n of names) {
    const b = before.get(n);
    const a = after.get(n);
    if (b === a) continue;
    if (b) lines.push(`  - ${b} ${n}`);
    if (a) lines.push(`  + ${a} ${n}`);
  }
  return lines;
}

function valuesDiff(current: string[], desired: string[]): string[] {
  const all = [...new Set([...current, ...desired])];
  return all.map((v) => (current.includes(v) && desired.includes(v) ? `    ${v}` : desired.includes(v) ? `  + ${v}` : `  - ${v}`));
}

function formatDbPlan(p: DbPlan, cfg: FleetConfig): string[] {
  const out = [`db     ${p.volume ? `volume ${p.volume.id}` : '(no volume)'}: ${isDbPlanEmpty(p) ? 'no change' : 'change'}`];
  const l = p.launch;
  if (l) {
    const where = l.subnetId ? `${l.availabilityZone} (${l.subnetId})` : `${l.availabilityZone} (default subnet)`;
    out.push(`  launch slot db in ${where} from ${cfg.dbLaunchTemplate ?? '(SHELFSTACK_DB_LAUNCH_TEMPLATE unset)'}, ClientToken ${l.clientToken}: ${l.reason}`);
  }
  if (p.stop) out.push(`  ${p.stop.force ? 'force-stop' : 'stop'} ${p.stop.instanceId}: ${p.stop.reason}`);
  if (p.detach) out.push(`  detach ${p.detach.volumeId} from ${p.detach.instanceId}: ${p.detach.reason}`);
  if (p.attach) out.push(`  attach ${p.attach.volumeId} to ${p.attach.instanceId} at ${p.attach.device}`);
  p.waiting.forEach((w) => out.push(`  wait slot db: ${w}`));
  return out;
}

/** The plan as a diff an operator reads before `apply`. */
export function formatPlan(plan: FleetPlan, cfg: FleetConfig, now: Date, opts: { applying?: boolean } = {}): string {
  const out: string[] = [`shelfstack ${opts.applying ? 'apply' : 'plan'}: cluster ${cfg.cluster} at ${now.toISOString()}`, ''];

  out.push(`hosts  s3://${cfg.bucket}/cluster/hosts: ${plan.hosts.changed ? (plan.hosts.previous === undefined ? 'create' : 'update') : 'no change'}`);
  if (plan.hosts.changed) out.push(...hostsDiff(plan.hosts.previous, plan.hosts.text));
  plan.hosts.warnings.forEach((w) => out.push(`  ! ${w.event}: ${w.name}: ${w.detail}`));

  const d = plan.dns;
  out.push('', `dns    ${cfg.record} A, TTL ${cfg.ttl}: ${d.upsert ? 'UPSERT' : 'no change'}`);
  if (d.upsert) {
    if (d.current && d.current.ttl !== d.upsert.ttl) out.push(`  ~ TTL ${d.current.ttl} -> ${d.upsert.ttl}`);
    out.push(...valuesDiff(d.current?.values ?? [], d.upsert.values));
  }
  if (d.noHealthyWeb) out.push(`  ! no healthy web server: the record is left as it is (${d.current?.values.join(', ') || 'absent'})`);
  d.markDrained.forEach((m) => out.push(`  tag ${m.instanceId} ${TAG.drainedAt}=${m.at} (out of DNS)`));
  d.clearDrained.forEach((id) => out.push(`  untag ${id} ${TAG.drainedAt} (no longer draining)`));

  const e = plan.eip;
  out.push('', `eip    ${isEipPlanEmpty(e) ? 'no change' : ''}`.trimEnd());
  e.launches.forEach((l) => out.push(`  launch slot ${l.tags[TAG.slot]} from ${cfg.launchTemplate ?? '(SHELFSTACK_LAUNCH_TEMPLATE unset)'}${l.subnetId ? ` in ${l.subnetId}` : ''}, ClientToken ${l.clientToken}: ${l.reason}`));
  e.servers.forEach((l) => out.push(`  launch slot ${l.slot} from ${(l.slot === 'ftp' ? cfg.ftpLaunchTemplate : cfg.cacheLaunchTemplate) ?? '?'}, ClientToken ${l.clientToken}: ${l.reason}`));
  e.associations.forEach((a) =>
    out.push(`  associate ${a.publicIp} (${a.allocationId}): ${a.from ?? 'unattached'} -> ${a.instanceId}${a.allowReassociation ? ' (reassociate)' : ''}`),
  );
  e.stops.forEach((x) => out.push(`  stop ${x.instanceId} (slot ${x.slot}): ${x.reason}`));
  e.waiting.forEach((w) => out.push(`  wait slot ${w.slot}: ${w.reason}`));

  out.push('', ...formatDbPlan(plan.db, cfg));

  const s = plan.scale;
  out.push('', `scale  ${s.terminate.length ? '' : 'no change'}`.trimEnd());
  s.terminate.forEach((id) => out.push(`  terminate ${id} (surge, out of DNS for more than TTL + ${cfg.drainGrace}s)`));
  s.waiting.forEach((w) => out.push(`  wait ${w.instanceId}: may terminate after ${w.notBefore}`));

  const n = countChanges(plan);
  const next = opts.applying ? '' : ' Run `shelfstack apply` to make them.';
  out.push('', n ? `${n} change${n === 1 ? '' : 's'}.${next}` : 'No changes: the fleet matches its desired state.');
  return out.join('\n');
}

function flags(i: Instance): string {
  const f: string[] = [];
  if (i.tags[TAG.surge]) f.push(`surge=${i.tags[TAG.surge]}`);
  if (isDraining(i)) f.push('draining');
  const at = drainedAt(i);
  if (at) f.push(`out-of-dns-since=${at.toISOString()}`);
  return f.join(' ');
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => `  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}`.trimEnd());
}

/**
 * The fleet at a glance, as values: what `shelfstack status` prints and the dashboard shows, so
 * both read one observation the same way (the order, each holder's health, what is out of date).
 */
export interface StatusModel {
  cluster: string;
  at: string;
  record: string;
  instances: { slot?: string; roles: string[]; id: string; state: string; health: string; privateIp?: string; publicIp?: string; flags: string }[];
  dns: { current?: { values: string[]; ttl: number }; desired: string[]; ttl: number; differs: boolean };
  addresses: { slot?: string; publicIp: string; allocationId: string; holder?: string; holderHealth: string }[];
  volumes: { slot?: string; id: string; state: string; availabilityZone: string; instanceId?: string; device?: string; attachment?: string; holderHealth: string }[];
  dbWaiting: string[];
  hosts: { written: boolean; lastModified?: string; age: string; upToDate: boolean };
  listing: { manifests: number; newest?: string; age: string };
}

export function statusModel(o: FleetObservation, plan: FleetPlan, listing: { manifests: number; newest?: Date }, cfg: FleetConfig, now: Date): StatusModel {
  const health = (id: string | undefined) => {
    const holder = o.instances.find((i) => i.id === id);
    return holder ? healthOf(holder, now, cfg.healthGrace) : id ? 'not in cluster' : '-';
  };
  // Slots first (www1, www2, …), then the other instances by role.
  const key = (i: Instance) => `${slotOf(i) ? `0${slotOf(i)}` : '1'}\u0000${rolesOf(i).join()}\u0000${i.id}`;
  const sorted = [...o.instances].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return {
    cluster: cfg.cluster,
    at: now.toISOString(),
    record: cfg.record,
    instances: sorted.map((i) => ({ slot: slotOf(i), roles: rolesOf(i), id: i.id, state: i.state, health: healthOf(i, now, cfg.healthGrace), privateIp: i.privateIp, publicIp: i.publicIp, flags: flags(i) })),
    dns: { current: o.record && { values: o.record.values, ttl: o.record.ttl }, desired: plan.dns.desired, ttl: cfg.ttl, differs: Boolean(plan.dns.upsert) },
    addresses: o.addresses.map((a) => ({ slot: slotOf(a), publicIp: a.publicIp, allocationId: a.allocationId, holder: a.instanceId, holderHealth: health(a.instanceId) })),
    volumes: o.volumes.flatMap((v) =>
      (v.attachments.length ? v.attachments : [undefined]).map((a) => ({
        slot: slotOf(v),
        id: v.id,
        state: v.state,
        availabilityZone: v.availabilityZone,
        instanceId: a?.instanceId,
        device: a?.device,
        attachment: a?.state,
        holderHealth: health(a?.instanceId),
      })),
    ),
    dbWaiting: plan.db.waiting,
    hosts: { written: Boolean(o.hosts), lastModified: o.hosts?.lastModified?.toISOString(), age: age(o.hosts?.lastModified, now), upToDate: !plan.hosts.changed },
    listing: { manifests: listing.manifests, newest: listing.newest?.toISOString(), age: age(listing.newest, now) },
  };
}

/** The fleet at a glance: instances, DNS current vs desired, EIP holders, the db volume's holder, hosts file and listing age. */
export function formatStatus(o: FleetObservation, plan: FleetPlan, listing: { manifests: number; newest?: Date }, cfg: FleetConfig, now: Date): string {
  const m = statusModel(o, plan, listing, cfg, now);
  const out: string[] = [`shelfstack status: cluster ${m.cluster} at ${m.at}`, ''];
  out.push(`instances (${m.instances.length})`);
  if (m.instances.length) {
    const rows = [['SLOT', 'ROLES', 'INSTANCE', 'STATE', 'HEALTH', 'PRIVATE', 'PUBLIC', 'FLAGS']];
    for (const i of m.instances) rows.push([i.slot ?? '-', i.roles.join(',') || '-', i.id, i.state, i.health, i.privateIp ?? '-', i.publicIp ?? '-', i.flags]);
    out.push(...table(rows));
  }

  out.push('', `dns ${m.record} A`);
  const cur = m.dns.current;
  out.push(`  current  ${cur ? `${cur.values.join(', ') || '(empty)'} (TTL ${cur.ttl})` : '(no record)'}`);
  out.push(`  desired  ${m.dns.desired.join(', ') || '(no healthy web server: record kept)'} (TTL ${m.dns.ttl})${m.dns.differs ? '  <- differs' : ''}`);

  out.push('', `elastic IPs (${m.addresses.length})`);
  if (m.addresses.length) {
    const rows = [['SLOT', 'ADDRESS', 'ALLOCATION', 'HOLDER', 'HOLDER HEALTH']];
    for (const a of m.addresses) rows.push([a.slot ?? '-', a.publicIp, a.allocationId, a.holder ?? '(unattached)', a.holderHealth]);
    out.push(...table(rows));
  }

  out.push('', `db volume (${o.volumes.length})`);
  if (m.volumes.length) {
    const rows = [['SLOT', 'VOLUME', 'STATE', 'AZ', 'ATTACHED TO', 'DEVICE', 'ATTACHMENT', 'HOLDER HEALTH']];
    for (const v of m.volumes) rows.push([v.slot ?? '-', v.id, v.state, v.availabilityZone, v.instanceId ?? '(unattached)', v.device ?? '-', v.attachment ?? '-', v.holderHealth]);
    out.push(...table(rows));
  }
  m.dbWaiting.forEach((w) => out.push(`  ${w}`));

  out.push('', `hosts file  ${m.hosts.written ? `written ${m.hosts.age}${m.hosts.upToDate ? ', up to date' : ', out of date'}` : 'missing'}`);
  out.push(`listing     ${m.listing.manifests} manifests, newest written ${m.listing.age}`);
  return out.join('\n');
}
