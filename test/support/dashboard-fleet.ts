import { AllocateAddressCommand, AssociateAddressCommand, AttachVolumeCommand, CreateVolumeCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { planFleet } from '../../core/fleet-plan';
import { TAG } from '../../core/fleet';
import { HOSTS_KEY } from '../../core/keys';
import { putTextConditional } from '../../cloud/s3';
import { changeRecords, upsertChange } from '../../cloud/route53';
import { ensureQueue, sendMessage } from '../../cloud/sqs';
import { signalQueueName } from '../../core/signals';
import { loadFleetConfig, observeFleet, type FleetClients, type FleetConfig } from '../../cli/ops/fleet';
import { instance, launchRunning, until, webTemplate, type Harness } from '../integration/fleet-emulator/harness';
import type { Emulators } from './emulators';

export const CLUSTER = 'main';
export const RECORD = 'www.shelfstack.local';

export interface SeededFleet {
  cfg: FleetConfig;
  clients: FleetClients;
  www1: string;
  www2: string;
  db: string;
  eips: { www1: string; www2: string };
  volumeId: string;
}

/**
 * A small healthy fleet in the local EC2 and Route 53 (www1 and www2 holding their slots' elastic
 * IPs, a db instance holding the db volume, the record in sync), its hosts file and a manifest in
 * S3, and the cluster's queues in SQS with a few messages: what the dashboard tests look at.
 */
export async function seedDashboardFleet(h: Harness, emu: Emulators): Promise<SeededFleet> {
  const tags = (role: string, slot: string) => ({ [TAG.cluster]: CLUSTER, [TAG.role]: role, [TAG.slot]: slot });
  await webTemplate(h.ec2, 'shelfstack-web', { [TAG.cluster]: CLUSTER, [TAG.role]: 'web' });
  const [www1, www2, db] = await Promise.all([launchRunning(h, tags('web', 'www1')), launchRunning(h, tags('web', 'www2')), launchRunning(h, tags('db', 'db'))]);

  const eips = { www1: '', www2: '' };
  for (const [slot, id] of [['www1', www1], ['www2', www2]] as const) {
    const a = await h.ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: TAG.cluster, Value: CLUSTER }, { Key: TAG.slot, Value: slot }] }] }));
    await h.ec2.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, InstanceId: id }));
    eips[slot] = a.PublicIp!;
  }

  const az = (await instance(h, db)).Placement!.AvailabilityZone!;
  const vol = await h.ec2.send(
    new CreateVolumeCommand({ AvailabilityZone: az, Size: 20, VolumeType: 'gp3', TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: TAG.cluster, Value: CLUSTER }, { Key: TAG.slot, Value: 'db' }] }] }),
  );
  const volumeState = async () => (await h.ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol.VolumeId!] }))).Volumes![0]!;
  await until(async () => ((await volumeState()).State === 'available' ? true : undefined), 3000, 'volume available');
  await h.ec2.send(new AttachVolumeCommand({ VolumeId: vol.VolumeId, InstanceId: db, Device: '/dev/sdf' }));
  await until(async () => ((await volumeState()).Attachments?.[0]?.State === 'attached' ? true : undefined), 3000, 'volume attached');

  const zone = await h.r53.send(new CreateHostedZoneCommand({ Name: 'shelfstack.local', CallerReference: `dashboard-${Date.now()}` }));
  const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
  const cfg = loadFleetConfig({ ...process.env, SHELFSTACK_CLUSTER: CLUSTER, SHELFSTACK_BUCKET: emu.bucket, SHELFSTACK_ZONE_ID: zoneId, SHELFSTACK_RECORD: RECORD, SHELFSTACK_TTL: '60' });
  const clients: FleetClients = { ec2: h.ec2, route53: h.r53, s3: emu.s3, sqs: emu.sqs };

  // The record and the hosts file as the reconcilers would write them: the fleet starts in sync.
  const plan = planFleet(await observeFleet(clients, cfg), cfg, new Date());
  await changeRecords(h.r53, zoneId, [upsertChange({ name: RECORD, ttl: cfg.ttl, values: plan.dns.desired })], 'dashboard seed');
  await putTextConditional(emu.s3, emu.bucket, HOSTS_KEY, plan.hosts.text, plan.hosts.etag ?? null, 'text/plain; charset=utf-8');
  await putTextConditional(emu.s3, emu.bucket, 'listing/B0001.json', '{"book":"B0001","chunks":[]}', null).catch(() => undefined);

  const uploads = await ensureQueue(emu.sqs, `shelfstack-${CLUSTER}-uploads`);
  const dlq = await ensureQueue(emu.sqs, `shelfstack-${CLUSTER}-uploads-dlq`);
  await ensureQueue(emu.sqs, `shelfstack-${CLUSTER}-fleet-failures`);
  await ensureQueue(emu.sqs, signalQueueName(CLUSTER, www1));
  await ensureQueue(emu.sqs, 'shelfstack-other-uploads');
  await Promise.all([sendMessage(emu.sqs, uploads, '{"n":1}'), sendMessage(emu.sqs, uploads, '{"n":2}'), sendMessage(emu.sqs, dlq, '{"bad":true}')]);
  return { cfg, clients, www1, www2, db, eips, volumeId: vol.VolumeId! };
}
