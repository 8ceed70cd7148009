import { GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DeleteTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { getText } from '../../../cloud/s3';
import { loadRole } from '../../support/iam';
import { IamGuard, isUnderTest } from '../../support/iam/guard';
import { activate } from '../../support/iam/install';
import { ROOT, Stack, type StackParams } from '../../support/iam/template';

const s3mock = mockClient(S3Client);
const ec2mock = mockClient(EC2Client);
const noSuchKey = () => new S3ServiceException({ name: 'NoSuchKey', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' });

function guard(role: string, opts: StackParams) {
  const g = new IamGuard(loadRole(role, opts), new Stack(opts), { under: ['test/unit/iam/'] });
  activate(g);
  return g;
}
afterEach(() => {
  activate(undefined);
  s3mock.reset();
  ec2mock.reset();
});

describe('the IAM guard', () => {
  it('tells the code under test from the harness by the frames of the call', () => {
    const frame = (file: string) => `    at fn (${ROOT}/${file}:1:2)`;
    const stack = (...files: string[]) => ['Error', ...files.map(frame)].join('\n');
    expect(isUnderTest(stack('cloud/s3.ts', 'functions/commons/reconcile-book.ts', 'test/x.test.ts'), ['functions/'])).toBe(true);
    expect(isUnderTest(stack('cloud/s3.ts', 'test/x.test.ts'), ['functions/'])).toBe(false);
    expect(isUnderTest(stack('cloud/s3.ts', 'instance/signal-consumer.ts', 'test/x.test.ts'), ['functions/'])).toBe(false);
    expect(isUnderTest(['Error', `    at async Promise.all (index 0)`, `    at async run (${ROOT}/instance/agent.ts:3:4)`].join('\n'), ['instance/'])).toBe(true);
  });

  it('turns a mocked 404 into the 403 AccessDenied S3 sends a role that may not list the bucket, and records it', async () => {
    const g = guard('ListingRole', { params: { cluster: 'g', bucket: 'b1' }, resourceFiles: ['test/unit/iam/fixtures/listing-role-before-issue-9.yml'] });
    s3mock.on(GetObjectCommand).rejects(noSuchKey());
    s3mock.on(HeadObjectCommand).rejects(noSuchKey());
    const s3 = new S3Client({});
    await expect(getText(s3, 'b1', 'listing/X.json')).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'b1', Key: 'listing/X.json' }))).rejects.toMatchObject({ name: 'Forbidden' });
    expect(g.takeDenials().map((d) => d.action)).toEqual(['s3:ListBucket', 's3:ListBucket']);
  });

  it('leaves a 404 a 404 for a role that may list the bucket', async () => {
    const g = guard('ListingRole', { params: { cluster: 'g', bucket: 'b1' } });
    s3mock.on(GetObjectCommand).rejects(noSuchKey());
    expect(await getText(new S3Client({}), 'b1', 'listing/X.json')).toBeUndefined();
    expect(g.takeDenials()).toEqual([]);
  });

  it('refuses a denied call before it reaches the mock, as UnauthorizedOperation naming role, action and resource', async () => {
    const g = guard('DnsRole', { params: { cluster: 'main', zoneId: 'Z1', record: 'www.example.com' } });
    g.world.observe('DescribeInstancesCommand', {}, { Reservations: [{ Instances: [{ InstanceId: 'i-0a', Tags: [{ Key: 'shelfstack:cluster', Value: 'main' }] }] }] });
    ec2mock.on(DeleteTagsCommand).resolves({});
    await expect(new EC2Client({}).send(new DeleteTagsCommand({ Resources: ['i-0a'] }))).rejects.toMatchObject({
      name: 'UnauthorizedOperation',
      message: expect.stringMatching(/DnsRole .* may not ec2:DeleteTags on arn:aws:ec2:us-east-1:123456789012:instance\/i-0a/),
    });
    expect(ec2mock.commandCalls(DeleteTagsCommand)).toHaveLength(0);
    expect(g.takeDenials()).toHaveLength(1);
  });
});
