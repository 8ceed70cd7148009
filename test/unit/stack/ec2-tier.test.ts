import path from 'node:path';
import { checkFleetParams } from '../../../core/stack-params';

// The stack's JS parts, called as serverless calls them at package time (they are plain CommonJS).
type Part = { Resources: Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>; Outputs?: Record<string, unknown> };
type Generator = (ctx: { resolveVariable: (v: string) => Promise<unknown> }) => Promise<any>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const part = (name: string) => require(path.join(__dirname, '../../../serverless', name)) as Generator;

const PARAMS: Record<string, unknown> = {
  cluster: 'main',
  bucket: 'shelfstack-main-eu-west-1',
  fleet: 'true',
  vpc: 'vpc-0123456789abcdef0',
  subnets: 'subnet-0123456789abcdef0, subnet-0fedcba9876543210',
  zoneId: 'Z0123456789EXAMPLE',
  record: 'www.example.com',
  webSlots: 2,
  instanceType: 't4g.small',
  ami: '/aws/service/debian/release/12/latest/arm64',
  dbVolumeSize: 20,
  sshCidr: '',
  ftpCidr: '203.0.113.0/24',
  fleetConcurrency: 1,
  healthPort: '80',
  sessions: 'mysql',
  memcachedMemory: '1G',
};
const ctx = (over: Record<string, unknown> = {}) => ({
  resolveVariable: async (v: string) => {
    if (v === 'self:provider.region') return 'eu-west-1';
    const name = v.replace(/^param:/, '');
    const all = { ...PARAMS, ...over };
    if (!(name in all)) throw new Error(`no ${v}`);
    return all[name];
  },
});

const rules = (sg: { Properties: Record<string, any> }) =>
  (sg.Properties.SecurityGroupIngress as Record<string, unknown>[]).map((r) => `${r.FromPort}-${r.ToPort} ${r.CidrIp ?? r.CidrIpv6}`).sort();

describe('security groups', () => {
  it('open exactly web 80/443 to anywhere, FTP 21 and its passive range to ftpCidr, MySQL and memcached to web only, no SSH', async () => {
    const { Resources: r } = (await part('resources/security-groups.js')(ctx())) as Part;
    expect(rules(r.WebSecurityGroup!)).toEqual(['443-443 0.0.0.0/0', '443-443 ::/0', '80-80 0.0.0.0/0', '80-80 ::/0']);
    expect(rules(r.FtpSecurityGroup!)).toEqual(['21-21 203.0.113.0/24', '30000-30100 203.0.113.0/24']);
    expect(rules(r.DbSecurityGroup!)).toEqual([]);
    expect(rules(r.CacheSecurityGroup!)).toEqual([]);
    const between = (type: string, other: string) =>
      Object.values(r)
        .filter((x) => x.Type === type)
        .map((x) => `${x.Properties.GroupId['Fn::GetAtt'][0]} ${x.Properties.IpProtocol} ${x.Properties.FromPort}-${x.Properties.ToPort} ${other} ${x.Properties[`${other === 'from' ? 'Source' : 'Destination'}SecurityGroupId`]['Fn::GetAtt'][0]}`)
        .sort();
    expect(between('AWS::EC2::SecurityGroupIngress', 'from')).toEqual([
      'CacheSecurityGroup tcp 11211-11211 from WebSecurityGroup',
      'DbSecurityGroup tcp 22-22 from FtpSecurityGroup',
      'DbSecurityGroup tcp 22-22 from WebSecurityGroup',
      'DbSecurityGroup tcp 3306-3306 from WebSecurityGroup',
    ]);
    expect(between('AWS::EC2::SecurityGroupEgress', 'to')).toEqual([
      'FtpSecurityGroup tcp 22-22 to DbSecurityGroup',
      'WebSecurityGroup tcp 11211-11211 to CacheSecurityGroup',
      'WebSecurityGroup tcp 22-22 to DbSecurityGroup',
      'WebSecurityGroup tcp 3306-3306 to DbSecurityGroup',
    ]);
    expect(r.CacheSecurityGroup!.Properties.GroupName).toBe('shelfstack-main-cache');
    for (const sg of [r.WebSecurityGroup!, r.DbSecurityGroup!, r.FtpSecurityGroup!, r.CacheSecurityGroup!]) {
      expect(sg.Properties.VpcId).toBe('vpc-0123456789abcdef0');
      expect((sg.Properties.SecurityGroupEgress as { FromPort: number }[]).map((e) => e.FromPort).sort()).toEqual([443, 80]);
    }
  });

  it('open SSH on every group only when sshCidr is given', async () => {
    const { Resources: r } = (await part('resources/security-groups.js')(ctx({ sshCidr: '198.51.100.7/32' }))) as Part;
    for (const id of ['WebSecurityGroup', 'DbSecurityGroup', 'FtpSecurityGroup', 'CacheSecurityGroup']) expect(rules(r[id]!)).toEqual(expect.arrayContaining(['22-22 198.51.100.7/32']));
    expect(rules(r.CacheSecurityGroup!)).toEqual(['22-22 198.51.100.7/32']);
  });
});

describe('launch templates', () => {
  it('per role: IMDSv2 only with tags in metadata, the role profile and group, tagged instances and volumes, user-data of the role', async () => {
    const { Resources: r } = (await part('resources/launch-templates.js')(ctx())) as Part;
    const units = { Web: 'shelfstack-web.service', Db: 'shelfstack-db-backup.service', Ftp: 'shelfstack-ftp.service', Cache: 'shelfstack-agent.service' };
    for (const [role, tag] of [['Web', 'web'], ['Db', 'db,repl'], ['Ftp', 'ftp'], ['Cache', 'cache']] as const) {
      const data = r[`${role}LaunchTemplate`]!.Properties.LaunchTemplateData;
      expect(data.MetadataOptions).toEqual({ HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled' });
      expect(data.IamInstanceProfile).toEqual({ Arn: { 'Fn::GetAtt': [`${role}InstanceProfile`, 'Arn'] } });
      const group = { 'Fn::GetAtt': [`${role}SecurityGroup`, 'GroupId'] };
      // The db reconciler names the subnet itself, which EC2 refuses next to a template's network
      // interfaces; eip and scale name the subnet and the web group (cloud/ec2.ts, LaunchPlace).
      if (role === 'Db') expect([data.SecurityGroupIds, data.NetworkInterfaces]).toEqual([[group], undefined]);
      else if (role === 'Web') expect([data.SecurityGroupIds, data.NetworkInterfaces]).toEqual([undefined, undefined]);
      else expect(data.NetworkInterfaces).toEqual([{ DeviceIndex: 0, SubnetId: 'subnet-0123456789abcdef0', Groups: [group], AssociatePublicIpAddress: true, DeleteOnTermination: true }]);
      expect(data.ImageId).toBe('{{resolve:ssm:/aws/service/debian/release/12/latest/arm64}}');
      expect(data.InstanceType).toBe('t4g.small');
      const tags = [{ Key: 'shelfstack:cluster', Value: 'main' }, { Key: 'shelfstack:role', Value: tag }];
      expect(data.TagSpecifications).toEqual([{ ResourceType: 'instance', Tags: tags }, { ResourceType: 'volume', Tags: tags }]);
      const userData = data.UserData['Fn::Base64'] as string;
      expect(userData).toMatch(/^#cloud-config\n/);
      expect(userData).toContain('SHELFSTACK_CLUSTER=main');
      expect(userData).toContain(`/etc/systemd/system/${units[role]}`);
      expect(Buffer.byteLength(userData)).toBeLessThanOrEqual(16384);
    }
  });

  it('carry the sessions switch to the web servers and memcached\'s memory to the cache server', async () => {
    const userData = async (over: Record<string, unknown>, role: string) =>
      ((await part('resources/launch-templates.js')(ctx(over))) as Part).Resources[`${role}LaunchTemplate`]!.Properties.LaunchTemplateData.UserData['Fn::Base64'] as string;
    expect(await userData({}, 'Web')).toMatch(/SHELFSTACK_SESSIONS=mysql\n.*SHELFSTACK_MEMCACHED=cacheserver:11211\n/s);
    expect(await userData({ sessions: 'memcached' }, 'Web')).toContain('SHELFSTACK_SESSIONS=memcached\n');
    const cache = await userData({ memcachedMemory: '2G' }, 'Cache');
    expect(cache).toContain('SHELFSTACK_MEMCACHED_MEMORY=2G\n');
    expect(cache).toMatch(/^ {2}- memcached$/m);
    expect(cache).not.toContain('SHELFSTACK_SESSIONS=');
  });
});

describe('web slots and the db volume', () => {
  it('one tagged elastic IP per web slot', async () => {
    const { Resources: r } = (await part('resources/web-slots.js')(ctx({ webSlots: 3 }))) as Part;
    expect(Object.keys(r)).toEqual(['WebSlotAddress1', 'WebSlotAddress2', 'WebSlotAddress3']);
    expect(r.WebSlotAddress3!.Properties.Tags).toEqual([{ Key: 'shelfstack:cluster', Value: 'main' }, { Key: 'shelfstack:slot', Value: 'www3' }]);
  });

  it('the MySQL volume: encrypted gp3, retained, tagged as the db slot, in the first subnet zone, snapshotted 48 hourly and 30 daily', async () => {
    const { Resources: r } = (await part('resources/db-volume.js')(ctx())) as Part;
    const v = r.DbVolume!;
    expect(v).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(v.Properties).toMatchObject({ VolumeType: 'gp3', Encrypted: true, Size: 20, AvailabilityZone: { 'Fn::GetAtt': ['SubnetZone', 'AvailabilityZone'] } });
    expect(v.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'shelfstack:cluster', Value: 'main' }, { Key: 'shelfstack:slot', Value: 'db' }]));
    expect(r.SubnetZone!.Properties).toMatchObject({ SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'], VpcId: 'vpc-0123456789abcdef0' });
    const schedules = r.DbSnapshotPolicy!.Properties.PolicyDetails.Schedules as { Name: string; CreateRule: { Interval: number }; RetainRule: { Count: number } }[];
    expect(schedules.map((s) => [s.Name, s.CreateRule.Interval, s.RetainRule.Count])).toEqual([['hourly', 1, 48], ['daily', 24, 30]]);
    const target = r.DbSnapshotPolicy!.Properties.PolicyDetails.TargetTags;
    expect(v.Properties.Tags).toEqual(expect.arrayContaining(target));
  });
});

describe('fleet parameters', () => {
  const raw = Object.fromEntries(Object.entries(PARAMS).map(([k, v]) => [k, String(v)]));

  it.each(['vpc', 'subnets', 'zoneId', 'record', 'ftpCidr'])('a missing %s names itself', (name) => {
    expect(() => checkFleetParams({ ...raw, [name]: '' })).toThrow(new RegExp(`^param ${name} is required with the fleet on`));
  });

  it('refuses a record with capitals or a trailing dot, naming the form to pass', () => {
    expect(() => checkFleetParams({ ...raw, record: 'WWW.Example.com.' })).toThrow('param record must be lower case without a trailing dot: pass "www.example.com"');
    expect(checkFleetParams(raw)).toMatchObject({ record: 'www.example.com', subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'], fleetConcurrency: 1 });
    expect(checkFleetParams({ ...raw, ami: 'ami-0123456789abcdef0', fleetConcurrency: '' })).toMatchObject({ imageId: 'ami-0123456789abcdef0', fleetConcurrency: undefined });
    expect(() => checkFleetParams({ ...raw, sshCidr: '0.0.0.0' })).toThrow(/^param sshCidr must be an IPv4 CIDR/);
    expect(() => checkFleetParams({ ...raw, sessions: 'redis' })).toThrow("param sessions must be 'mysql' or 'memcached' (got \"redis\")");
    expect(() => checkFleetParams({ ...raw, memcachedMemory: '1 GB' })).toThrow(/^param memcachedMemory must be a size/);
  });

  it('fleet-check.js: the checked parameters with the fleet on, only the switch with it off', async () => {
    const check = part('fleet-check.js');
    expect(await check(ctx())).toMatchObject({ on: true, vpc: 'vpc-0123456789abcdef0', webSlots: 2, fleetConcurrency: 1 });
    expect(await check(ctx({ fleetConcurrency: '' }))).toMatchObject({ on: true, fleetConcurrency: '' });
    expect(await check(ctx({ fleet: 'false', vpc: '' }))).toEqual({ on: false });
  });

  it('a bad parameter is reported once, by fleet-check.js, in one line; the EC2 parts stay empty', async () => {
    const bad = ctx({ vpc: '' });
    const error = await part('fleet-check.js')(bad).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: 'StackParamError', message: expect.stringMatching(/^param vpc is required/) });
    expect((error as Error).stack).toBe((error as Error).message);
    for (const name of ['security-groups', 'launch-templates', 'web-slots', 'db-volume']) {
      expect(await part(`resources/${name}.js`)(bad)).toEqual({ Resources: {} });
      expect(await part(`resources/${name}.js`)(ctx({ fleet: 'false' }))).toEqual({ Resources: {} });
    }
  });
});

describe('the fleet switch plugin', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { applyFleetSwitch } = require('../../../serverless/plugins/fleet-switch.js') as { applyFleetSwitch: (service: object, fleet: object) => void };
  const service = () => ({
    functions: { listing: { handler: 'l' }, dns: { handler: 'd', reservedConcurrency: 1 }, sweep: { handler: 's' } },
    resources: {
      Resources: { ContentBucket: {}, UploadsQueue: {}, ListingRole: {}, DnsRole: {}, WebLaunchTemplate: {}, DbVolume: {} },
      Outputs: { UploadsQueueArn: {}, FleetAlarmTopicArn: {}, WebSlotAddress1: {} },
    },
  });

  it('with the fleet off keeps the listing pipeline alone', () => {
    const s = service();
    applyFleetSwitch(s, { on: false });
    expect(Object.keys(s.functions)).toEqual(['listing']);
    expect(Object.keys(s.resources.Resources)).toEqual(['ContentBucket', 'UploadsQueue', 'ListingRole']);
    expect(Object.keys(s.resources.Outputs)).toEqual(['UploadsQueueArn']);
  });

  it('with the fleet on reserves fleetConcurrency where a function reserves any, or none for an empty one', () => {
    const s = service();
    applyFleetSwitch(s, { on: true, fleetConcurrency: 2 });
    expect(s.functions.dns.reservedConcurrency).toBe(2);
    expect(s.functions.sweep).toEqual({ handler: 's' });
    const t = service();
    applyFleetSwitch(t, { on: true, fleetConcurrency: '' });
    expect(t.functions.dns).toEqual({ handler: 'd' });
    expect(Object.keys(t.resources.Resources)).toHaveLength(6);
  });

  it('refuses to run without the checked switch', () => {
    expect(() => applyFleetSwitch(service(), {})).toThrow(/custom\.fleet/);
  });
});
