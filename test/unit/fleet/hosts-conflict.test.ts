import '../../support/fleet-env';
import { DescribeInstancesCommand, DescribeInstanceStatusCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { TAG } from '../../../core/fleet';
import { reconcileHosts } from '../../../functions/commons/fleet';
import { captureLog, okStatus, reservations } from '../../support/aws-shapes';
import { useIamRole } from '../../support/iam';

const ec2mock = mockClient(EC2Client);
const s3mock = mockClient(S3Client);
const sqsmock = mockClient(SQSClient);
useIamRole('HostsRole', { params: { cluster: 'main', bucket: 'shelfstack-test' } });

// Only the part of the SDK's streaming body that getText reads.
const body = (text: string): GetObjectCommandOutput => ({
  Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'],
  ETag: `"etag-${text.length}"`,
  $metadata: {},
});
const preconditionFailed = () =>
  new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' });

beforeEach(() => {
  ec2mock.reset();
  s3mock.reset();
  sqsmock.reset();
  ec2mock.on(DescribeInstancesCommand).resolves(reservations([{ id: 'i-0db', privateIp: '10.0.1.10', tags: { [TAG.cluster]: 'main', [TAG.role]: 'db' } }]));
  ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [okStatus('i-0db')] });
  sqsmock.on(ListQueuesCommand).resolves({ QueueUrls: [] });
});

const deps = () => ({ ec2: new EC2Client({}), s3: new S3Client({}), sqs: new SQSClient({}), bucket: 'shelfstack-test', cluster: 'main', logger: captureLog() });

describe('hosts write conflicts', () => {
  it('writes on the ETag it read, and on a 412 reads and renders again before writing', async () => {
    s3mock.on(GetObjectCommand).callsFake(() => body('# old\n10.0.1.9 dbserver\n'));
    s3mock.on(PutObjectCommand).rejectsOnce(preconditionFailed()).resolves({ ETag: '"new"' });
    const d = deps();

    const outcome = await reconcileHosts(d);

    expect(outcome.changed).toBe(true);
    expect(s3mock).toHaveReceivedCommandTimes(GetObjectCommand, 2);
    expect(s3mock).toHaveReceivedCommandTimes(PutObjectCommand, 2);
    expect(s3mock).toHaveReceivedCommandWith(PutObjectCommand, { Key: 'cluster/hosts', IfMatch: '"etag-24"', ContentType: 'text/plain; charset=utf-8' });
    expect(d.logger.lines).toContainEqual(expect.objectContaining({ message: 'hosts_write_conflict' }));
  });

  it('creates a missing file only if it is still missing, and gives up after three conflicts', async () => {
    s3mock.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    s3mock.on(PutObjectCommand).rejects(preconditionFailed());
    await expect(reconcileHosts(deps())).rejects.toThrow(/pre-conditions/);
    expect(s3mock).toHaveReceivedCommandTimes(PutObjectCommand, 3);
    expect(s3mock).toHaveReceivedCommandWith(PutObjectCommand, { IfNoneMatch: '*' });
  });
});

describe('hosts: an older run against a newer one', () => {
  it('cannot write what it observed before a newer run wrote (hosts read before the instances are observed)', async () => {
    // A fake S3 that honours If-Match / If-None-Match as S3 does, and one cluster/hosts.
    let stored: { text: string; etag: string } | undefined;
    let version = 0;
    s3mock.on(GetObjectCommand).callsFake(() => {
      if (!stored) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
      return { ...body(stored.text), ETag: stored.etag };
    });
    s3mock.on(PutObjectCommand).callsFake((input: { Body: string; IfMatch?: string; IfNoneMatch?: string }) => {
      if (input.IfNoneMatch === '*' && stored) throw preconditionFailed();
      if (input.IfMatch !== undefined && input.IfMatch !== stored?.etag) throw preconditionFailed();
      stored = { text: input.Body, etag: `"v${++version}"` };
      return { ETag: stored.etag };
    });
    const older = [{ id: 'i-0db', privateIp: '10.0.1.10', tags: { [TAG.cluster]: 'main', [TAG.role]: 'db' } }];
    const newer = [{ id: 'i-0db2', privateIp: '10.0.1.20', tags: { [TAG.cluster]: 'main', [TAG.role]: 'db' } }];
    ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [okStatus('i-0db'), okStatus('i-0db2')] });
    // The older run observes the old fleet; before its answer arrives, a newer run observes the
    // new fleet and writes. Every later observation sees the new fleet.
    let calls = 0;
    ec2mock.on(DescribeInstancesCommand).callsFake(async () => {
      calls++;
      if (calls === 1) {
        const newerRun = await reconcileHosts(deps());
        expect(newerRun.text).toContain('10.0.1.20 dbserver');
        return reservations(older);
      }
      return reservations(newer);
    });

    const olderRun = await reconcileHosts(deps());

    expect(stored!.text).toContain('10.0.1.20 dbserver');
    expect(stored!.text).not.toContain('10.0.1.10');
    expect(olderRun.text).toContain('10.0.1.20 dbserver');
  });
});
