import type { ARecord, DnsPlan } from '../../core/dns-plan';
import type { EipPlan } from '../../core/eip-plan';
import { TAG, type Address, type Instance } from '../../core/fleet';
import type { ScalePlan } from '../../core/scale-plan';

/**
 * A toy EC2 + Route 53 for property tests: applies plans the way AWS would (a ClientToken already
 * used launches nothing; an association moves the address), and remembers when each address left
 * the record so tests can check the surge timing against what really happened.
 */
export class World {
  instances: Instance[];
  addresses: Address[];
  record?: ARecord;
  now: Date;
  leftDnsAt = new Map<string, Date>();
  private launched = 0;

  constructor(instances: Instance[], addresses: Address[], record: ARecord | undefined, now: Date) {
    this.instances = structuredClone(instances);
    this.addresses = structuredClone(addresses);
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
      this.record = structuredClone(plan.upsert);
    }
    plan.markDrained.forEach((m) => (this.get(m.instanceId).tags[TAG.drainedAt] = m.at));
    plan.clearDrained.forEach((id) => delete this.get(id).tags[TAG.drainedAt]);
  }

  private launch(clientToken: string, tags: Record<string, string>): void {
    if (this.instances.some((i) => i.clientToken === clientToken)) return;
    this.launched++;
    this.instances.push({ id: `i-launched${String(this.launched).padStart(8, '0')}`, state: 'pending', launchTime: this.now, clientToken, tags: { ...tags } });
  }

  applyEip(plan: EipPlan): void {
    plan.launches.forEach((l) => this.launch(l.clientToken, l.tags));
    for (const a of plan.associations) {
      this.addresses.filter((x) => x.instanceId === a.instanceId).forEach((x) => (x.instanceId = undefined));
      this.addresses.find((x) => x.allocationId === a.allocationId)!.instanceId = a.instanceId;
    }
  }

  applyScale(plan: ScalePlan): void {
    plan.launches.forEach((l) => this.launch(l.clientToken, l.tags));
    plan.drain.forEach((id) => (this.get(id).tags[TAG.lifecycle] = 'draining'));
    plan.terminate.forEach((id) => (this.get(id).state = 'shutting-down'));
  }
}
