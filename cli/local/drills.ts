import { connect } from 'node:net';
import { DescribeAddressesCommand, DescribeInstancesCommand, DescribeVolumesCommand, StopInstancesCommand, TerminateInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ListResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * The drills against a running rehearsal, through the same APIs an operator (or AWS) would use:
 * `kill` terminates a slot's instance, `stop` stops it, `newsletter` runs a surge rule. Each then
 * watches, with no other step, until the fleet has healed, printing its timeline.
 */
export interface DrillClients {
  ec2: EC2Client;
  route53: Route53Client;
  s3: S3Client;
  cluster: string;
  bucket: string;
  zoneId: string;
  record: string;
  /** The db instances' MariaDB port: a view says whether dbserver answers on it. */
  dbPort?: number;
}

export interface FleetView {
  instances: { id: string; state: string; slot?: string; surge?: string; lifecycle?: string; privateIp?: string }[];
  /** slot → the instance holding its elastic IP, and the address. */
  eips: Record<string, { address: string; holder?: string }>;
  record: string[];
  volumeHolder?: string;
  dbserver?: string;
  /** Whether a TCP connection to dbserver on the db port succeeds (with a db port). */
  dbAnswers?: boolean;
}

export async function viewFleet(c: DrillClients): Promise<FleetView> {
  const cluster = [{ Name: 'tag:shelfstack:cluster', Values: [c.cluster] }];
  const [res, addrs, vols, rrs, hosts] = await Promise.all([
    c.ec2.send(new DescribeInstancesCommand({ Filters: cluster })),
    c.ec2.send(new DescribeAddressesCommand({ Filters: cluster })),
    c.ec2.send(new DescribeVolumesCommand({ Filters: [...cluster, { Name: 'tag:shelfstack:slot', Values: ['db'] }] })),
    c.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: c.zoneId, StartRecordName: c.record, StartRecordType: 'A', MaxItems: 1 })),
    c.s3.send(new GetObjectCommand({ Bucket: c.bucket, Key: 'cluster/hosts' })).then((o) => o.Body!.transformToString(), () => ''),
  ]);
  const tag = (tags: { Key?: string; Value?: string }[] | undefined, k: string) => tags?.find((t) => t.Key === k)?.Value;
  const instances = (res.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => ({
    id: i.InstanceId!,
    state: i.State?.Name ?? '?',
    slot: tag(i.Tags, 'shelfstack:slot'),
    surge: tag(i.Tags, 'shelfstack:surge'),
    lifecycle: tag(i.Tags, 'shelfstack:lifecycle'),
    privateIp: i.PrivateIpAddress,
  }));
  const eips: FleetView['eips'] = {};
  for (const a of addrs.Addresses ?? []) {
    const slot = tag(a.Tags, 'shelfstack:slot');
    if (slot) eips[slot] = { address: a.PublicIp!, holder: a.InstanceId };
  }
  const rr = rrs.ResourceRecordSets?.find((r) => r.Type === 'A' && r.Name?.replace(/\.$/, '') === c.record.toLowerCase());
  const dbLine = hosts.split('\n').find((l) => /\sdbserver(\s|$)/.test(l));
  const dbserver = dbLine?.trim().split(/\s+/)[0];
  return {
    dbAnswers: dbserver && c.dbPort ? await answers(dbserver, c.dbPort) : undefined,
    instances,
    eips,
    record: (rr?.ResourceRecords ?? []).map((r) => r.Value!).sort(),
    volumeHolder: vols.Volumes?.[0]?.Attachments?.[0]?.InstanceId,
    dbserver,
  };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 1000 }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.on('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** The live instance of a slot (`www1`, `db`), the one a drill acts on. */
export function slotInstance(v: FleetView, slot: string): string | undefined {
  const live = v.instances.filter((i) => i.slot === slot && ['pending', 'running'].includes(i.state));
  if (slot === 'db') return live.find((i) => i.id === v.volumeHolder)?.id ?? live[0]?.id;
  return live.find((i) => i.id === v.eips[slot]?.holder)?.id ?? live[0]?.id;
}

export async function breakSlot(c: DrillClients, how: 'kill' | 'stop', slot: string): Promise<string> {
  const v = await viewFleet(c);
  const id = slotInstance(v, slot);
  if (!id) throw new Error(`slot ${slot} has no running instance (slots: ${[...Object.keys(v.eips), 'db'].join(', ')})`);
  if (how === 'kill') await c.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  else await c.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  return id;
}

export type Milestone = { at: number; what: string };

/** Polls the fleet, calling `note` for each change it sees, until `healed` holds (or the deadline). */
export async function watch(c: DrillClients, describe: (prev: FleetView | undefined, v: FleetView) => string[], healed: (v: FleetView) => boolean, opts: { timeoutMs: number; note: (m: Milestone) => void; t0: number }): Promise<FleetView> {
  let prev: FleetView | undefined;
  const deadline = opts.t0 + opts.timeoutMs;
  for (;;) {
    const v = await viewFleet(c);
    for (const what of describe(prev, v)) opts.note({ at: Date.now() - opts.t0, what });
    prev = v;
    if (healed(v)) return v;
    if (Date.now() > deadline) throw new Error(`not healed within ${opts.timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What changed between two views, in words. */
export function changes(prev: FleetView | undefined, v: FleetView): string[] {
  if (!prev) return [];
  const out: string[] = [];
  for (const i of v.instances) {
    const was = prev.instances.find((p) => p.id === i.id);
    const who = `${i.id}${i.slot ? ` (${i.slot})` : i.surge ? ` (surge ${i.surge})` : ''}`;
    if (!was) out.push(`${who} launched`);
    else if (was.state !== i.state) out.push(`${who} ${i.state}`);
    if (was && was.lifecycle !== i.lifecycle && i.lifecycle) out.push(`${who} ${i.lifecycle}`);
  }
  for (const [slot, e] of Object.entries(v.eips)) if (prev.eips[slot]?.holder !== e.holder) out.push(`elastic IP ${e.address} (${slot}) ${e.holder ? `moved to ${e.holder}` : 'released'}`);
  if (prev.record.join() !== v.record.join()) out.push(`record ${v.record.join(' ') || '(empty)'}`);
  if (prev.volumeHolder !== v.volumeHolder) out.push(`db volume ${v.volumeHolder ? `attached to ${v.volumeHolder}` : 'detached'}`);
  if (prev.dbserver !== v.dbserver) out.push(`dbserver ${v.dbserver ?? '(none)'} in cluster/hosts`);
  if (prev.dbAnswers !== v.dbAnswers && v.dbAnswers !== undefined) out.push(`dbserver's MariaDB ${v.dbAnswers ? 'answers' : 'does not answer'}`);
  return out;
}
