import type { ARecord, DnsPlan } from '../../core/dns-plan';
import type { DbPlan } from '../../core/db-plan';
import type { EipPlan } from '../../core/eip-plan';
import { TAG, type Address, type Instance, type Volume } from '../../core/fleet';
import type { ScalePlan } from '../../core/scale-plan';

/**
 * A toy EC2 + Route 53 for property tests: applies plans the way AWS would (a ClientToken already
 * used launches nothing; an association moves the address and releases the new holder's own
 * public IP; a volume attaches only when available, detaches only from a stopped instance, and
 * each change goes through its transition state until `settle`), and remembers when each address
 * left the record so tests can check the surge timing against what really happened.
 */
export class World {
  instances: Instance[];
  addresses: Address[];
  volumes: Volume[];
  record?: ARecord;
  now: Date;
  leftDnsAt = new Map<string, Date>();
  /** Addresses the record got from dns upserts, and the public IPs released by the last applyEip. */
  addedByDns = new Set<string>();
  released: string[] = [];
  private launched = 0;

  constructor(instances: Instance[], addresses: Address[], record: ARecord | undefined, now: Date, volumes: Volume[] = []) {
    this.instances = structuredClone(instances);
    this.addresses = structuredClone(addresses);
    this.volumes = structuredClone(volumes);
    this.record = record && structuredClone(record);
    this.now = now;
  }

  get(id: string): Instance {
    const i = this.instances.find((x) => x.id === id);
    if (!i) throw new Error(`no instance ${id} in the world`);
    return i;
  }

  applyDns(plan: DnsPlan): void {
    if (plan.upsert) {
      const before = new Set(this.record?.values ?? []);
      const after = new Set(plan.upsert.values);
      for (const ip of before) if (!after.has(ip)) this.leftDnsAt.set(ip, this.now);
      for (const ip of after) if (!before.has(ip)) this.addedByDns.add(ip);
      this.record = structuredClone(plan.upsert);
    }
    plan.markDrained.forEach((m) => (this.get(m.instanceId).tags[TAG.drainedAt] = m.at));
    plan.clearDrained.forEach((id) => delete this.get(id).tags[TAG.drainedAt]);
  }

  /** RunInstances: a ClientToken already used returns the instance it launched, and launches nothing. */
  launch(clientToken: string, tags: Record<string, string>, availabilityZone = 'eu-west-1a'): string {
    const earlier = this.instances.find((i) => i.clientToken === clientToken);
    if (earlier) return earlier.id;
    this.launched++;
    const n = this.launched;
    this.instances.push({
      id: `i-launched${String(n).padStart(8, '0')}`,
      state: 'pending',
      launchTime: this.now,
      clientToken,
      availabilityZone,
      privateIp: `10.0.9.${n % 250}`,
      publicIp: `192.0.2.${n % 250}`,
      tags: { ...tags },
    });
    return this.instances.at(-1)!.id;
  }

  applyEip(plan: EipPlan): void {
    this.released = [];
    [...plan.launches, ...plan.servers].forEach((l) => this.launch(l.clientToken, l.tags));
    for (const a of plan.associations) {
      const address = this.addresses.find((x) => x.allocationId === a.allocationId)!;
      const from = this.instances.find((i) => i.id === address.instanceId);
      if (from) from.publicIp = undefined;
      this.addresses.filter((x) => x.instanceId === a.instanceId).forEach((x) => (x.instanceId = undefined));
      const to = this.get(a.instanceId);
      // Associating an elastic IP releases the instance's auto-assigned public IP.
      if (to.publicIp && !this.addresses.some((x) => x.publicIp === to.publicIp)) this.released.push(to.publicIp);
      to.publicIp = address.publicIp;
      address.instanceId = a.instanceId;
    }
    plan.stops.forEach((x) => this.stop(x.instanceId));
  }

  /** Instances that hang in `stopping` until a forced stop. */
  hung = new Set<string>();

  private stop(id: string, force = false): void {
    const i = this.get(id);
    if (force && i.state === 'stopping') this.hung.delete(id);
    if (i.state === 'running' || i.state === 'pending') {
      i.state = 'stopping';
      i.stateSince = this.now;
      i.checks = undefined;
      i.publicIp = this.addresses.some((a) => a.instanceId === id) ? i.publicIp : undefined;
    }
  }

  volume(id: string): Volume {
    const v = this.volumes.find((x) => x.id === id);
    if (!v) throw new Error(`no volume ${id} in the world`);
    return v;
  }

  /** As EC2 would answer the db plan's calls; a call AWS would refuse (or we must never make) throws. */
  applyDb(plan: DbPlan): void {
    if (plan.launch) this.launch(plan.launch.clientToken, plan.launch.tags, plan.launch.availabilityZone);
    if (plan.stop) {
      if (this.get(plan.stop.instanceId).tags[TAG.slot] !== 'db') throw new Error(`stopped ${plan.stop.instanceId}, not of the db slot`);
      if (plan.stop.force && this.get(plan.stop.instanceId).state !== 'stopping') throw new Error(`forced ${plan.stop.instanceId} off while ${this.get(plan.stop.instanceId).state}`);
      this.stop(plan.stop.instanceId, plan.stop.force);
    }
    if (plan.detach) {
      const v = this.volume(plan.detach.volumeId);
      const holder = this.get(plan.detach.instanceId);
      if (holder.state !== 'stopped') throw new Error(`detached ${v.id} from ${holder.id}, which is ${holder.state}`);
      const a = v.attachments.find((x) => x.instanceId === holder.id && x.state === 'attached');
      if (!a) throw new Error(`IncorrectState: ${v.id} is not attached to ${holder.id}`);
      a.state = 'detaching';
    }
    if (plan.attach) {
      const v = this.volume(plan.attach.volumeId);
      const target = this.get(plan.attach.instanceId);
      if (v.state !== 'available' || v.attachments.length) throw new Error(`VolumeInUse: ${v.id} is ${v.state}`);
      if (target.availabilityZone !== v.availabilityZone) throw new Error(`InvalidVolume.ZoneMismatch: ${target.id}`);
      if (target.state !== 'running' && target.state !== 'stopped') throw new Error(`IncorrectState: ${target.id} is ${target.state}`);
      v.attachments.push({ instanceId: target.id, device: plan.attach.device, state: 'attaching' });
      v.state = 'in-use';
    }
  }

  /** One pending transition completes: instances boot (checks ok), stop or end; volumes attach or detach. */
  settle(): void {
    for (const i of this.instances) {
      if (i.state === 'pending') Object.assign(i, { state: 'running', checks: { instance: 'ok', system: 'ok' } });
      else if (i.state === 'stopping' && !this.hung.has(i.id)) i.state = 'stopped';
      else if (i.state === 'shutting-down') i.state = 'terminated';
    }
    for (const v of this.volumes) {
      v.attachments = v.attachments.filter((a) => a.state !== 'detaching' && this.instances.find((i) => i.id === a.instanceId)?.state !== 'terminated');
      v.attachments.forEach((a) => (a.state = 'attached'));
      v.state = v.attachments.length ? 'in-use' : 'available';
    }
  }

  applyScale(plan: ScalePlan): void {
    plan.launches.forEach((l) => this.launch(l.clientToken, l.tags));
    plan.drain.forEach((id) => (this.get(id).tags[TAG.lifecycle] = 'draining'));
    plan.terminate.forEach((id) => (this.get(id).state = 'shutting-down'));
  }
}
