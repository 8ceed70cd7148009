import '../../support/fleet-env';
import { DescribeInstancesCommand, DescribeInstanceStatusCommand, EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { TAG } from '../../../core/fleet';
import { HOSTS_KEY } from '../../../core/keys';
import { decodeSignal, signalQueueName } from '../../../core/signals';
import { getText } from '../../../cloud/s3';
import { s3ClientOptions } from '../../../cloud/clients';
import { ensureQueue, receiveMessages, deleteMessage } from '../../../cloud/sqs';
import { hostsHandler } from '../../../functions/hosts';
import { captureLog, okStatus, reservations, type Ec2Spec } from '../../support/aws-shapes';
import { useEmulators } from '../../support/emulators';
import { invoke, type FleetEvent } from '../../support/lambda';
import { useIamRole } from '../../support/iam';

const emu = useEmulators();
const ec2mock = mockClient(EC2Client);
useIamRole('HostsRole', { params: { cluster: 'main', bucket: 'shelfstack-test' } });
const tagged = (roles: string, extra: Record<string, string> = {}) => ({ [TAG.cluster]: 'main', [TAG.role]: roles, ...extra });

const FLEET: Ec2Spec[] = [
  { id: 'i-0db', privateIp: '10.0.1.10', tags: tagged('db') },
  { id: 'i-0repl', privateIp: '10.0.1.11', tags: tagged('repl,ftp', { [TAG.hostnames]: 'backup' }) },
  { id: 'i-0cache', privateIp: '10.0.1.12', tags: tagged('cache') },
  { id: 'i-0web', privateIp: '10.0.2.10', publicIp: '203.0.113.10', tags: tagged('web') },
];

function ec2Sees(fleet: Ec2Spec[]) {
  ec2mock.reset();
  ec2mock.on(DescribeInstancesCommand).resolves(reservations(fleet));
  ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: fleet.map((f) => okStatus(f.id)) });
}

/** The handler with an S3 client that counts the PutObject calls it makes. */
function build() {
  const puts: string[] = [];
  const s3 = new S3Client({ ...s3ClientOptions(), endpoint: emu.s3Server.endpoint });
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand') puts.push((args.input as { Key: string }).Key);
      return next(args);
    },
    { step: 'initialize', name: 'countPuts' },
  );
  const logger = captureLog();
  return { handler: hostsHandler({ ec2: new EC2Client({}), s3, sqs: emu.sqs, bucket: emu.bucket, cluster: 'main', logger }), puts, logger };
}

async function drainSignals(queueUrl: string): Promise<string[]> {
  const types: string[] = [];
  for (;;) {
    const msgs = await receiveMessages(emu.sqs, queueUrl, { waitSeconds: 0, max: 10 });
    if (!msgs.length) return types;
    for (const m of msgs) {
      types.push(decodeSignal(m.Body!).type);
      await deleteMessage(emu.sqs, queueUrl, m.ReceiptHandle!);
    }
  }
}

describe('hosts function against the S3 emulator', () => {
  it('publishes the hosts file once, signals hosts-changed, and a second run writes nothing', async () => {
    const queueUrl = await ensureQueue(emu.sqs, signalQueueName('main', 'i-0web'));
    ec2Sees(FLEET);
    const { handler, puts } = build();

    await invoke<FleetEvent, void>(handler, 'ec2-state-change-running.json');
    const first = await getText(emu.s3, emu.bucket, HOSTS_KEY);
    expect(first?.text).toContain('10.0.1.10 dbserver\n10.0.1.11 replserver\n10.0.1.12 cacheserver\n10.0.1.11 ftpserver\n10.0.1.11 backup\n');
    expect(await drainSignals(queueUrl)).toEqual(['hosts-changed']);

    await invoke<FleetEvent, void>(handler, 'schedule-rate.json');
    expect(puts).toEqual([HOSTS_KEY]);
    expect((await getText(emu.s3, emu.bucket, HOSTS_KEY))?.etag).toBe(first?.etag);
    expect(await drainSignals(queueUrl)).toEqual([]);
  });

  it('keeps the dbserver line of a lost db instance and warns, while other lines follow the fleet', async () => {
    ec2Sees([{ ...FLEET[0]!, state: 'terminated', privateIp: undefined }, { ...FLEET[1]!, privateIp: '10.0.1.21' }, FLEET[2]!, FLEET[3]!]);
    const { handler, puts, logger } = build();

    await invoke<FleetEvent, void>(handler, 'ec2-state-change-terminated.json');

    const hosts = (await getText(emu.s3, emu.bucket, HOSTS_KEY))!.text;
    expect(hosts).toContain('10.0.1.10 dbserver\n');
    expect(hosts).toContain('10.0.1.21 replserver\n');
    expect(puts).toEqual([HOSTS_KEY]);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'role_without_running_instance', attrs: expect.objectContaining({ name: 'dbserver' }) }));
  });
});
