import { clientToken, healthOf, hourStamp, inCluster, isGone, slotOf, TAG, type Instance, type Subnet, type Volume } from './fleet';

/** The db slot (ARCHITECTURE.md, "Slots"): the instances tagged with it own the data volume tagged with it. */
export const DB_SLOT = 'db';
/** The roles of a db replacement (the contract of issue 9): it is the database and the replication master. */
export const DB_ROLES = 'db,repl';

export interface DbLaunch {
  clientToken: string;
  tags: Record<string, string>;
  availabilityZone: string;
  /** The first of the configured subnets in the volume's AZ; undefined with none configured (default VPC). */
  subnetId?: string;
  reason: string;
}

/**
 * At most one step towards one healthy holder of the volume. A launch may come with the stop of
 * the lost holder (they touch different things); the volume itself moves by one step a run.
 */
export interface DbPlan {
  volume?: Volume;
  /** The instance the volume is attached to, if any. */
  holder?: string;
  launch?: DbLaunch;
  /** A clean stop; `force` only for a holder stuck in `stopping` past the grace period. */
  stop?: { instanceId: string; force: boolean; reason: string };
  detach?: { volumeId: string; instanceId: string; reason: string };
  attach?: { volumeId: string; instanceId: string; device: string };
  /** Why nothing (more) happens this run; the next event or tick continues. */
  waiting: string[];
}

export interface DbSettings {
  cluster: string;
  healthGraceSeconds: number;
  device: string;
  /** The configured subnets, in order, with their AZs. */
  subnets: readonly Subnet[];
}

/** The ClientToken of a db replacement: the instance it replaces, so a retried run launches at most one. */
export function dbReplacementToken(cluster: string, lostId: string | undefined, now: Date): string {
  return clientToken(['db', cluster, lostId ?? hourStamp(now)]);
}

function newestFirst(a: Instance, b: Instance): number {
  return b.launchTime.getTime() - a.launchTime.getTime() || b.id.localeCompare(a.id);
}

const LIVE_ATTACHMENT = new Set(['attaching', 'attached', 'detaching', 'busy']);

/**
 * The db slot's plan. The volume stays with a healthy holder of the slot. Otherwise: a replacement
 * is launched in the volume's AZ (unless one is coming); a holder still running (failing its
 * checks past the grace) is stopped, and forced off if it hangs in `stopping` past the grace; a stopped holder's attachment is detached (never a force, never
 * from a running instance); and only an `available` volume is attached, to a running replacement,
 * so two instances never hold it. A volume or instance outside the cluster is never touched.
 */
export function planDb(instances: readonly Instance[], volumes: readonly Volume[], s: DbSettings, now: Date): DbPlan {
  const ours = inCluster(instances, s.cluster);
  const health = (i: Instance) => healthOf(i, now, s.healthGraceSeconds);
  const candidates = inCluster(volumes, s.cluster).filter((v) => slotOf(v) === DB_SLOT && v.state !== 'deleting' && v.state !== 'deleted');
  if (candidates.length === 0) return { waiting: ['no volume tagged for the db slot'] };
  if (candidates.length > 1) return { waiting: [`several volumes tagged for the db slot (${candidates.map((v) => v.id).join(', ')}); left alone`] };
  const v = candidates[0]!;
  const plan: DbPlan = { volume: v, waiting: [] };

  const live = v.attachments.filter((a) => LIVE_ATTACHMENT.has(a.state));
  if (live.length > 1) return { ...plan, waiting: [`${v.id} has ${live.length} attachments; left alone`] };
  const attachment = live[0];
  const holder = attachment && ours.find((i) => i.id === attachment.instanceId);
  plan.holder = attachment?.instanceId;
  if (attachment && !holder) return { ...plan, waiting: [`${v.id} is held by ${attachment.instanceId}, which is not in the cluster; left alone`] };
  if (holder && slotOf(holder) !== DB_SLOT) return { ...plan, waiting: [`${v.id} is held by ${holder.id}, which is not of the db slot; left alone`] };
  if (holder && health(holder) !== 'lost') {
    if (health(holder) !== 'healthy') plan.waiting.push(`${holder.id} holds ${v.id} and is ${health(holder)}`);
    return plan;
  }

  const members = ours.filter((i) => slotOf(i) === DB_SLOT && !isGone(i));
  const replacement = members
    .filter((i) => i.id !== holder?.id && i.availabilityZone === v.availabilityZone && health(i) !== 'lost')
    .sort(newestFirst)[0];
  if (!replacement) {
    // The newest of the slot names the token: the holder, or a replacement that died before it
    // got the volume (its token is spent: EC2 would answer it with the dead instance again).
    const lost = ours.filter((i) => slotOf(i) === DB_SLOT).sort(newestFirst)[0];
    const subnet = s.subnets.find((n) => n.availabilityZone === v.availabilityZone);
    if (s.subnets.length && !subnet) plan.waiting.push(`none of the subnets is in ${v.availabilityZone}, the volume's AZ: cannot launch`);
    else {
      plan.launch = {
        clientToken: dbReplacementToken(s.cluster, lost?.id, now),
        tags: { [TAG.cluster]: s.cluster, [TAG.role]: DB_ROLES, [TAG.slot]: DB_SLOT },
        availabilityZone: v.availabilityZone,
        subnetId: subnet?.id,
        reason: lost ? `replaces ${lost.id} (${lost.state}, ${health(lost)})` : 'the slot has no instance',
      };
    }
  }

  if (holder) {
    // The holder is lost: it must be stopped (or gone) before its volume can move.
    const stuck = holder.state === 'stopping' && holder.stateSince && now.getTime() - holder.stateSince.getTime() > s.healthGraceSeconds * 1000;
    if (holder.state === 'running') plan.stop = { instanceId: holder.id, force: false, reason: `failing its status checks past ${s.healthGraceSeconds}s` };
    else if (stuck) plan.stop = { instanceId: holder.id, force: true, reason: `stopping since ${holder.stateSince!.toISOString()}` };
    else if (holder.state === 'stopped' && attachment!.state === 'attached') {
      plan.detach = { volumeId: v.id, instanceId: holder.id, reason: `${holder.id} is stopped` };
    } else plan.waiting.push(`${holder.id} is ${holder.state}, its attachment ${attachment!.state}`);
    return plan;
  }
  if (v.state !== 'available') plan.waiting.push(`${v.id} is ${v.state}`);
  else if (replacement?.state === 'running') plan.attach = { volumeId: v.id, instanceId: replacement.id, device: s.device };
  else if (replacement) plan.waiting.push(`${replacement.id} is ${replacement.state}`);
  return plan;
}

export function isDbPlanEmpty(p: DbPlan): boolean {
  return !p.launch && !p.stop && !p.detach && !p.attach;
}
