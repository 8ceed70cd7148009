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
