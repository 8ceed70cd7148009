import { AllocateAddressCommand, CreateLaunchTemplateCommand, CreateVolumeCommand, DescribeAddressesCommand, DescribeLaunchTemplatesCommand, DescribeVolumesCommand, type EC2Client, type Tag } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, ListHostedZonesCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { renderUserData, type ProvisionRole } from '../../instance/provision/render';

/**
 * What the stack creates before any instance exists (serverless/resources: launch-templates.js,
 * web-slots.js, db-volume.js, and the operator's hosted zone), created through the local EC2 and
 * Route 53 APIs and only when missing, so a restart keeps the fleet. No instance is launched here:
 * the eip and db reconcilers fill the empty slots, as after a fresh deploy.
 */
export interface FleetSeed {
  cluster: string;
  bucket: string;
  region: string;
  record: string;
  webSlots: string[];
  az: string;
}

export interface SeededFleet {
  zoneId: string;
  templates: Record<'web' | 'db', string>;
}

const ROLE_TAG: Record<'web' | 'db', string> = { web: 'web', db: 'db,repl' };

export async function seedFleet(ec2: EC2Client, route53: Route53Client, s: FleetSeed): Promise<SeededFleet> {
  const clusterTag = { Key: 'shelfstack:cluster', Value: s.cluster };
  const labels = s.record.split('.');
  const domain = labels.length > 2 ? labels.slice(1).join('.') : s.record;
  const templates = {} as Record<'web' | 'db', string>;
  for (const role of ['web', 'db'] as const) {
    const name = `shelfstack-${s.cluster}-${role}`;
    const found = await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'launch-template-name', Values: [name] }] }));
    if (found.LaunchTemplates?.length) {
      templates[role] = found.LaunchTemplates[0]!.LaunchTemplateId!;
      continue;
    }
    const vars = { cluster: s.cluster, bucket: s.bucket, region: s.region, domain, nodeVersion: process.versions.node, ...(role === 'db' ? { dataDevice: '/dev/sdf', dbName: 'shelfstack' } : { replMaster: 'ssh://replserver//srv/www-master' }) };
    const tags: Tag[] = [clusterTag, { Key: 'shelfstack:role', Value: ROLE_TAG[role] }];
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: name,
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: tags }],
        LaunchTemplateData: {
          ImageId: 'ami-0123456789abcdef0',
          InstanceType: 't3.small',
          UserData: Buffer.from(renderUserData(role as ProvisionRole, vars)).toString('base64'),
          TagSpecifications: [{ ResourceType: 'instance', Tags: tags }, { ResourceType: 'volume', Tags: tags }],
        },
      }),
    );
    templates[role] = created.LaunchTemplate!.LaunchTemplateId!;
  }

  const addresses = (await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: 'tag:shelfstack:cluster', Values: [s.cluster] }] }))).Addresses ?? [];
  for (const slot of s.webSlots) {
    if (addresses.some((a) => a.Tags?.some((t) => t.Key === 'shelfstack:slot' && t.Value === slot))) continue;
    await ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [clusterTag, { Key: 'shelfstack:slot', Value: slot }] }] }));
  }

  const volumes = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:shelfstack:cluster', Values: [s.cluster] }, { Name: 'tag:shelfstack:slot', Values: ['db'] }] }));
  if (!volumes.Volumes?.length) {
    const tags = [{ Key: 'Name', Value: `shelfstack-${s.cluster}-mysql` }, clusterTag, { Key: 'shelfstack:slot', Value: 'db' }];
    await ec2.send(new CreateVolumeCommand({ AvailabilityZone: s.az, VolumeType: 'gp3', Size: 20, Encrypted: true, TagSpecifications: [{ ResourceType: 'volume', Tags: tags }] }));
  }

  const zone = `${domain}.`;
  const zones = await route53.send(new ListHostedZonesCommand({}));
  let zoneId = zones.HostedZones?.find((z) => z.Name === zone)?.Id;
  if (!zoneId) zoneId = (await route53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: `shelfstack-${s.cluster}` }))).HostedZone!.Id!;
  return { zoneId: zoneId.replace(/^\/hostedzone\//, ''), templates };
}
