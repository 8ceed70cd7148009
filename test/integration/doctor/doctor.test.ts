import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetHostedZoneCommand, NoSuchHostedZone, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { LOCAL_CREDENTIALS } from '../../../cli/local/emulators';
import { ensureQueue } from '../../../cloud/sqs';
import { runDoctor } from '../../../cli/ops/doctor/run';
import type { CheckResult } from '../../../cli/ops/doctor/result';
import { defaultStateDir } from '../../../instance/listing-sync';
import { tempDir, useEmulators } from '../../support/emulators';
import { runCli } from '../../support/cli';

// Doctor runs with the operator's credentials (like plan and status): no instance role to check it against.
const emu = useEmulators('shelfstack-doctor');
const ec2 = new EC2Client({ region: 'eu-west-1' });
const route53 = new Route53Client({ region: 'us-east-1' });
const ec2mock = mockClient(ec2);
const route53mock = mockClient(route53);

beforeEach(() => {
  ec2mock.reset();
  route53mock.reset();
});

/** The queues the stack creates for `cluster`: uploads with its redrive to the DLQ, the fleet failures queue, signal queues. */
async function stackQueues(cluster: string, opts: { dlq?: boolean; signals?: string[] } = {}) {
  const dlqUrl = opts.dlq === false ? undefined : await ensureQueue(emu.sqs, `shelfstack-${cluster}-uploads-dlq`);
  const dlqArn = dlqUrl && (await emu.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await ensureQueue(emu.sqs, `shelfstack-${cluster}-uploads`, dlqArn ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }) } : {});
  await ensureQueue(emu.sqs, `shelfstack-${cluster}-fleet-failures`);
  for (const id of opts.signals ?? []) await ensureQueue(emu.sqs, `shelfstack-${cluster}-signal-${id}`);
  return { dlqUrl };
}

function envFor(cluster: string, extra: Record<string, string> = {}) {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_S3: emu.s3Server.endpoint,
    AWS_ENDPOINT_URL_SQS: emu.sqsServer.endpoint,
    SHELFSTACK_CLUSTER: cluster,
    SHELFSTACK_BUCKET: emu.bucket,
    ...extra,
  };
}

const doctor = (env: Record<string, string>) => runDoctor(env, { s3: emu.s3, sqs: emu.sqs, ec2, route53 });
const line = (results: CheckResult[], check: string) => {
  const found = results.find((r) => r.check === check);
  if (!found) throw new Error(`no "${check}" line in ${JSON.stringify(results.map((r) => r.check))}`);
  return found;
};
const failures = (results: CheckResult[]) => results.filter((r) => r.status === 'fail').map((r) => r.check);

describe('shelfstack doctor', () => {
  it('passes a good setup, and says what it skipped and why', async () => {
    await stackQueues('good', { signals: ['i-0abc', 'i-0def'] });
    const results = await doctor(envFor('good'));
    expect(failures(results)).toEqual([]);
    expect(line(results, 'S3').detail).toContain(`bucket ${emu.bucket} is there`);
    expect(line(results, 'uploads queue').detail).toBe('shelfstack-good-uploads: 0 waiting, 0 in flight');
    expect(line(results, 'signal queue of i-0abc').detail).toMatch(/^0 waiting, 0 in flight; created \d+s ago/);
    expect(line(results, 'EC2 and Route 53').status).toBe('skip');
    // s3rver does not implement GetBucketNotificationConfiguration: a skip that says so, never a pass.
    expect(line(results, 'bucket notifications')).toMatchObject({ status: 'skip', detail: expect.stringContaining('does not report notifications') });
    expect(line(results, 'instance').status).toBe('skip');
  });

  it('names a missing bucket and the variable to check', async () => {
    await stackQueues('nobucket');
    const results = await doctor(envFor('nobucket', { SHELFSTACK_BUCKET: 'no-such-bucket' }));
    expect(line(results, 'S3')).toMatchObject({ status: 'fail', detail: expect.stringContaining('bucket no-such-bucket does not exist'), fix: expect.stringContaining('SHELFSTACK_BUCKET') });
    expect(line(results, 'bucket notifications').status).toBe('skip');
  });

  it('names a missing queue, and a DLQ that holds messages', async () => {
    await stackQueues('nodlq', { dlq: false });
    expect(line(await doctor(envFor('nodlq')), 'uploads DLQ')).toMatchObject({ status: 'fail', detail: 'shelfstack-nodlq-uploads-dlq does not exist' });
    expect(line(await doctor(envFor('nodlq')), 'uploads queue')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no redrive policy') });

    const { dlqUrl } = await stackQueues('full');
    await emu.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl!, MessageBody: 'not an S3 event' }));
    expect(line(await doctor(envFor('full')), 'uploads DLQ')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^shelfstack-full-uploads-dlq holds 1 event the listing could not handle/),
      fix: expect.stringContaining('redrive'),
    });
  });

  it('flags signals that wait for an agent', async () => {
    await stackQueues('slow', { signals: ['i-0slow'] });
    const queue = await ensureQueue(emu.sqs, 'shelfstack-slow-signal-i-0slow');
    await emu.sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: '{"type":"sweep"}' }));
    expect(line(await doctor(envFor('slow')), 'signal queue of i-0slow')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^1 waiting/), fix: expect.stringContaining('shelfstack-agent on i-0slow') });
  });

  it('names bad settings all at once and checks nothing that needs them', async () => {
    const results = await doctor(envFor('Bad_Cluster', { SHELFSTACK_TTL: 'soon' }));
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ check: 'configuration', status: 'fail', detail: expect.stringMatching(/SHELFSTACK_CLUSTER must be .*; SHELFSTACK_TTL must be a positive integer/) });
  });

  it('checks the hosts block and the listing on an instance: a stale block and a listing behind S3 fail, fresh ones pass', async () => {
    await stackQueues('inst', { signals: ['i-0web'] });
    const dir = await tempDir('shelfstack-doctor-');
    const hostsFile = path.join(dir, 'hosts');
    const listingDir = path.join(dir, 'listing');
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'cluster/hosts', Body: '10.0.0.5 dbserver\n10.0.0.6 replserver\n' }));
    const manifest = await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'listing/B0001.json', Body: '{"book":"B0001","chunks":[]}' }));
    await writeFile(hostsFile, '127.0.0.1 localhost\n# BEGIN shelfstack\n10.0.0.4 dbserver\n# END shelfstack\n');
    await mkdir(listingDir);
    await mkdir(defaultStateDir(listingDir));
    const statePath = path.join(defaultStateDir(listingDir), 'state.json');
    await writeFile(statePath, JSON.stringify({ version: 1, books: { B0001: { etag: 'an-old-etag', files: [] } } }));
    const env = envFor('inst', { SHELFSTACK_INSTANCE_ID: 'i-0web', SHELFSTACK_ROLE: 'web', SHELFSTACK_HOSTS_FILE: hostsFile, SHELFSTACK_LISTING_DIR: listingDir });

    const stale = await doctor(env);
    expect(line(stale, 'instance')).toMatchObject({ status: 'ok', detail: 'i-0web, roles web (from SHELFSTACK_INSTANCE_ID/SHELFSTACK_ROLE)' });
    expect(line(stale, `hosts block in ${hostsFile}`)).toMatchObject({ status: 'fail', fix: expect.stringContaining('shelfstack init') });
    expect(line(stale, `listing ${listingDir}`)).toMatchObject({ status: 'fail', detail: expect.stringContaining('1 book behind S3'), fix: expect.stringContaining('shelfstack listing sync') });

    await writeFile(hostsFile, '127.0.0.1 localhost\n# BEGIN shelfstack\n10.0.0.5 dbserver\n10.0.0.6 replserver\n# END shelfstack\n');
    await writeFile(statePath, JSON.stringify({ version: 1, books: { B0001: { etag: manifest.ETag!.replace(/"/g, ''), files: [] } } }));
    const fresh = await doctor(env);
    expect(failures(fresh)).toEqual([]);
    expect(line(fresh, `listing ${listingDir}`).detail).toMatch(/^1 book in S3; last sync \d+s ago; in step$/);
  });

  it('checks EC2 and Route 53 when the fleet is configured', async () => {
    await stackQueues('fleet');
    ec2mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ ReservationId: 'r-0123456789abcdef0', Instances: [{ InstanceId: 'i-0123456789abcdef0' }] }] });
    route53mock.on(GetHostedZoneCommand).resolves({ HostedZone: { Id: '/hostedzone/Z0123456789EXAMPLE', Name: 'example.com.', CallerReference: 'x' }, DelegationSet: { NameServers: [] } });
    const env = envFor('fleet', { SHELFSTACK_ZONE_ID: 'Z0123456789EXAMPLE' });
    const good = await doctor(env);
    expect(line(good, 'EC2')).toMatchObject({ status: 'ok', detail: expect.stringContaining('1 instance tagged shelfstack:cluster=fleet') });
    expect(line(good, 'Route 53')).toMatchObject({ status: 'ok', detail: expect.stringContaining('zone Z0123456789EXAMPLE is example.com.') });
    expect(ec2mock).toHaveReceivedCommandWith(DescribeInstancesCommand, { Filters: [{ Name: 'tag:shelfstack:cluster', Values: ['fleet'] }] });

    route53mock.on(GetHostedZoneCommand).rejects(new NoSuchHostedZone({ message: 'No hosted zone found with ID: Z0123456789EXAMPLE', $metadata: {} }));
    expect(line(await doctor(env), 'Route 53')).toMatchObject({ status: 'fail', fix: expect.stringContaining('SHELFSTACK_ZONE_ID') });
  });

  it('as a command: exits 1 naming the failure, and --json gives the same checks', async () => {
    await stackQueues('cli');
    const env = envFor('cli', { SHELFSTACK_BUCKET: 'no-such-bucket' });
    const text = await runCli(['doctor'], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^✗ S3: bucket no-such-bucket does not exist at .* — fix: check SHELFSTACK_BUCKET/m);
    const json = await runCli(['doctor', '--json'], env);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: CheckResult[] };
    expect(report.ok).toBe(false);
    expect(line(report.checks, 'S3').status).toBe('fail');
    expect(line(report.checks, 'uploads queue').status).toBe('ok');

    // s3rver checks the access key, as S3 does: a wrong one is named as the credentials' fault.
    const refused = await runCli(['doctor'], envFor('cli', { AWS_ACCESS_KEY_ID: 'AKIAWRONGKEY' }));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^✗ credentials and region: the credentials are refused \(InvalidAccessKeyId\) — fix: check AWS_ACCESS_KEY_ID/m);
  });
});
