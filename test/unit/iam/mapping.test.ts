import { authorizationsFor } from '../../support/iam/commands';
import { loadRole, RoleEvaluator, type Authorization } from '../../support/iam/evaluator';
import { Stack, type StackParams } from '../../support/iam/template';
import { World } from '../../support/iam/world';

const opts: StackParams = { params: { cluster: 'main', bucket: 'b1', zoneId: 'Z1', record: 'www.example.com' }, refs: { WebLaunchTemplate: 'lt-0aaaaaaaaaaaaaaa1' } };
const stack = new Stack(opts);
const world = new World(stack);
const call = (service: string, command: string, input: Record<string, unknown>) => authorizationsFor(service, command, input, { region: stack.region, world });
const denied = async (role: string, auths: Authorization[]) =>
  (await new RoleEvaluator(loadRole(role, opts)).decideAll(auths)).filter((d) => !d.allowed).map((d) => `${d.action} ${d.resource}`);

world.observe('DescribeInstancesCommand', {}, { Reservations: [{ Instances: [{ InstanceId: 'i-0mine', Tags: [{ Key: 'shelfstack:cluster', Value: 'main' }] }, { InstanceId: 'i-0other', Tags: [{ Key: 'shelfstack:cluster', Value: 'other' }] }] }] });

describe('the command → authorization map, against the packaged roles', () => {
  it('S3: ListObjectsV2 carries s3:prefix; HeadObject is s3:GetObject; a multipart upload is s3:PutObject', () => {
    expect(call('S3', 'ListObjectsV2Command', { Bucket: 'b1', Prefix: 'listing/', MaxKeys: 10 })).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::b1', context: { 's3:prefix': 'listing/', 's3:max-keys': '10' } },
    ]);
    expect(call('S3', 'HeadObjectCommand', { Bucket: 'b1', Key: 'a b/c' })).toEqual([{ action: 's3:GetObject', resource: 'arn:aws:s3:::b1/a b/c' }]);
    expect(call('S3', 'UploadPartCommand', { Bucket: 'b1', Key: 'k' })[0]!.action).toBe('s3:PutObject');
  });

  it('dns may stamp drained-at on its cluster only, and never a DeleteTags without Tags (which deletes every tag)', async () => {
    const stamp = (id: string) => call('EC2', 'CreateTagsCommand', { Resources: [id], Tags: [{ Key: 'shelfstack:drained-at', Value: 'x' }] });
    expect(await denied('DnsRole', stamp('i-0mine'))).toEqual([]);
    expect(await denied('DnsRole', stamp('i-0other'))).toEqual(['ec2:CreateTags arn:aws:ec2:us-east-1:123456789012:instance/i-0other']);
    expect(await denied('DnsRole', call('EC2', 'DeleteTagsCommand', { Resources: ['i-0mine'], Tags: [{ Key: 'shelfstack:drained-at' }] }))).toEqual([]);
    expect(await denied('DnsRole', call('EC2', 'DeleteTagsCommand', { Resources: ['i-0mine'] }))).toEqual(['ec2:DeleteTags arn:aws:ec2:us-east-1:123456789012:instance/i-0mine']);
    expect(await denied('DnsRole', call('EC2', 'DeleteTagsCommand', { Resources: ['i-0mine'], Tags: [{ Key: 'shelfstack:slot' }] }))).toHaveLength(1);
  });

  it('dns may UPSERT only the record, compared as Route 53 normalizes it (lower case, no trailing dot)', async () => {
    const change = (Action: string, Name: string) => call('Route 53', 'ChangeResourceRecordSetsCommand', { HostedZoneId: '/hostedzone/Z1', ChangeBatch: { Changes: [{ Action, ResourceRecordSet: { Name, Type: 'A' } }] } });
    expect(await denied('DnsRole', change('UPSERT', 'WWW.Example.com.'))).toEqual([]);
    expect(await denied('DnsRole', change('DELETE', 'www.example.com'))).toHaveLength(1);
    expect(await denied('DnsRole', change('UPSERT', 'mail.example.com'))).toHaveLength(1);
  });

  it('eip launches only from the stack web launch template, passing only the web instance role', async () => {
    const tags = [{ Key: 'shelfstack:cluster', Value: 'main' }];
    const run = call('EC2', 'RunInstancesCommand', { LaunchTemplate: { LaunchTemplateId: 'lt-0aaaaaaaaaaaaaaa1' }, TagSpecifications: [{ ResourceType: 'instance', Tags: tags }, { ResourceType: 'volume', Tags: tags }] });
    expect(run.map((a) => a.resource.replace(/^arn:aws:(ec2|iam):[a-z0-9-]*:[0-9]*:/, ''))).toEqual([
      'instance/*', 'volume/*', 'network-interface/*', 'launch-template/lt-0aaaaaaaaaaaaaaa1', 'subnet/subnet-0a1b2c3d4e5f60001',
      'security-group/sg-0a1b2c3d4e5f60001', 'image/ami-0a1b2c3d4e5f60001', 'snapshot/snap-0a1b2c3d4e5f60001', 'role/shelfstack-main-us-east-1-web',
      'instance/*', 'volume/*',
    ]);
    expect(await denied('EipRole', run)).toEqual([]);
    const untagged = call('EC2', 'RunInstancesCommand', { LaunchTemplate: { LaunchTemplateId: 'lt-0aaaaaaaaaaaaaaa1' } });
    expect(await denied('EipRole', untagged)).toEqual(['ec2:RunInstances arn:aws:ec2:us-east-1:123456789012:instance/*', 'ec2:RunInstances arn:aws:ec2:us-east-1:123456789012:volume/*']);
    const foreign = run.map((a) => ({ ...a, context: { ...a.context, 'ec2:LaunchTemplate': 'arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0bbbbbbbbbbbbbbb2' } }));
    expect((await denied('EipRole', foreign)).length).toBeGreaterThan(0);
  });

  it('an instance role reads its own cluster secrets only', async () => {
    expect(await denied('WebInstanceRole', call('SSM', 'GetParameterCommand', { Name: '/shelfstack/main/signing-key' }))).toEqual([]);
    expect(await denied('WebInstanceRole', call('SSM', 'GetParameterCommand', { Name: '/shelfstack/other/signing-key' }))).toHaveLength(1);
  });

  it('throws on a command it does not model', () => {
    expect(() => call('S3', 'PutBucketPolicyCommand', { Bucket: 'b1' })).toThrow(/S3 PutBucketPolicyCommand/);
  });
});

describe('a launch template of the stack', () => {
  it('is found by id or name, and a launch from it passes the role of its instance profile', () => {
    const s = new Stack({ params: { cluster: 'c9' }, resourceFiles: ['test/unit/iam/fixtures/launch-template.yml'] });
    const w = new World(s);
    const byName = w.launchTemplate({ LaunchTemplateName: 'shelfstack-c9-web' });
    expect(byName).toEqual({ id: s.ref('WebLaunchTemplate'), logicalId: 'WebLaunchTemplate', instanceRole: 'shelfstack-c9-us-east-1-web' });
    expect(w.launchTemplate({ LaunchTemplateId: byName.id })).toEqual(byName);
    expect(() => w.launchTemplate({ LaunchTemplateId: 'lt-0ffffffffffffffff' })).toThrow(/not one of the stack's/);
  });
});
