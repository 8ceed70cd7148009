import '../../support/fleet-env';
import { CreateTagsCommand, DescribeAddressesCommand, DescribeInstancesCommand, DescribeInstanceStatusCommand, EC2Client, type Address } from '@aws-sdk/client-ec2';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { TAG } from '../../../core/fleet';
import { dnsHandler } from '../../../functions/dns';
import { captureLog, eipAddress, okStatus, reservations, type Ec2Spec } from '../../support/aws-shapes';
import { invoke, type FleetEvent } from '../../support/lambda';
import { useIamRole } from '../../support/iam';

const ec2mock = mockClient(EC2Client);
const r53mock = mockClient(Route53Client);
const NOW = new Date('2026-11-24T12:00:00.000Z');
const RECORD = 'www.shelfstack.example.';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const web = { [TAG.cluster]: 'main', [TAG.role]: 'web' };
useIamRole('DnsRole', { params: { cluster: 'main', zoneId: ZONE, record: 'www.shelfstack.example' } });

function setup(fleet: Ec2Spec[], recordValues: string[] | undefined, addresses: Address[] = []) {
  ec2mock.on(DescribeInstancesCommand).resolves(reservations(fleet));
  ec2mock.on(DescribeAddressesCommand).resolves({ Addresses: addresses });
  ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: fleet.filter((f) => (f.state ?? 'running') === 'running').map((f) => okStatus(f.id)) });
  ec2mock.on(CreateTagsCommand).resolves({});
  r53mock.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: recordValues ? [{ Name: RECORD, Type: 'A', TTL: 300, ResourceRecords: recordValues.map((Value) => ({ Value })) }] : [],
    IsTruncated: false,
    MaxItems: 1,
  });
  r53mock.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'PENDING', SubmittedAt: NOW } });
  const logger = captureLog();
  const metrics: string[] = [];
  const handler = dnsHandler({
    ec2: new EC2Client({}),
    route53: new Route53Client({}),
    cluster: 'main',
    zoneId: ZONE,
    record: RECORD,
    ttl: 300,
    healthGrace: 300,
    healthPort: 80,
    logger,
    now: () => NOW,
    emit: (line) => metrics.push(line),
    retry: { attempts: 3, baseMs: 1, maxMs: 1, sleep: async () => undefined, random: () => 0 },
  });
  return { handler, logger, metrics };
}

beforeEach(() => {
  ec2mock.reset();
  r53mock.reset();
});

describe('dns handler', () => {
  it('upserts exactly the healthy non-draining web servers, sorted, and stamps the drained one', async () => {
    const { handler, metrics } = setup(
      [
        { id: 'i-0web1', publicIp: '203.0.113.10', tags: web },
        { id: 'i-0web2', publicIp: '203.0.113.9', tags: web },
        { id: 'i-0surge', publicIp: '203.0.113.11', tags: { ...web, [TAG.surge]: 'newsletter', [TAG.lifecycle]: 'draining' } },
        { id: 'i-0db', publicIp: '203.0.113.12', tags: { [TAG.cluster]: 'main', [TAG.role]: 'db' } },
      ],
      ['203.0.113.10', '203.0.113.11'],
    );
    await invoke<FleetEvent, void>(handler, 'tag-change-lifecycle-draining.json');

    expect(r53mock).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    expect(r53mock.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input).toEqual({
      HostedZoneId: ZONE,
      ChangeBatch: {
        Comment: 'shelfstack dns reconcile',
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: { Name: RECORD, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '203.0.113.9' }, { Value: '203.0.113.10' }] },
          },
        ],
      },
    });
    expect(ec2mock).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: ['i-0surge'], Tags: [{ Key: TAG.drainedAt, Value: NOW.toISOString() }] });
    expect(JSON.parse(metrics[0]!)).toMatchObject({ cluster: 'main', HealthyWebServers: 2 });
  });

  it("counts a slot's replacement only once it holds the slot's elastic IP, never by the address that moving the IP releases", async () => {
    const slot = (n: string) => ({ ...web, [TAG.slot]: n });
    const www2 = eipAddress('eipalloc-0a1b2c3d4e5f60002', '198.51.100.2', { [TAG.cluster]: 'main', [TAG.slot]: 'www2' }, 'i-0old');
    const fleet: Ec2Spec[] = [
      { id: 'i-0web1', publicIp: '198.51.100.1', tags: slot('www1') },
      { id: 'i-0old', state: 'stopped', tags: slot('www2') },
      { id: 'i-0new', publicIp: '203.0.113.77', tags: slot('www2') },
    ];
    const www1 = eipAddress('eipalloc-0a1b2c3d4e5f60001', '198.51.100.1', { [TAG.cluster]: 'main', [TAG.slot]: 'www1' }, 'i-0web1');
    const before = setup(fleet, ['198.51.100.1', '198.51.100.2'], [www1, www2]);
    await invoke<FleetEvent, void>(before.handler, 'ec2-state-change-running.json');
    expect(r53mock.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input.ChangeBatch?.Changes?.[0]?.ResourceRecordSet?.ResourceRecords)).toEqual([[{ Value: '198.51.100.1' }]]);
    expect(ec2mock).toHaveReceivedCommandWith(DescribeAddressesCommand, { Filters: [{ Name: 'tag:shelfstack:cluster', Values: ['main'] }] });

    r53mock.reset();
    ec2mock.reset();
    const moved = eipAddress('eipalloc-0a1b2c3d4e5f60002', '198.51.100.2', { [TAG.cluster]: 'main', [TAG.slot]: 'www2' }, 'i-0new');
    const after = setup([fleet[0]!, fleet[1]!, { ...fleet[2]!, publicIp: '198.51.100.2' }], ['198.51.100.1'], [www1, moved]);
    await invoke<FleetEvent, void>(after.handler, 'schedule-rate.json');
    expect(r53mock).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      ChangeBatch: expect.objectContaining({ Changes: [expect.objectContaining({ ResourceRecordSet: expect.objectContaining({ ResourceRecords: [{ Value: '198.51.100.1' }, { Value: '198.51.100.2' }] }) })] }),
    });
  });

  it('changes nothing when the record already holds the healthy servers', async () => {
    const { handler } = setup([{ id: 'i-0web1', publicIp: '203.0.113.10', tags: web }], ['203.0.113.10']);
    await invoke<FleetEvent, void>(handler, 'schedule-rate.json');
    expect(r53mock).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(ec2mock).not.toHaveReceivedCommand(CreateTagsCommand);
  });

  it('keeps the record, logs an error and reports 0 healthy servers when none is healthy', async () => {
    const { handler, logger, metrics } = setup([{ id: 'i-0web1', publicIp: '203.0.113.10', state: 'stopped', tags: web }], ['203.0.113.10']);
    await invoke<FleetEvent, void>(handler, 'ec2-state-change-stopped.json');
    expect(r53mock).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'no_healthy_web_server' }));
    expect(JSON.parse(metrics[0]!)).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'shelfstack', Dimensions: [['cluster']], Metrics: [{ Name: 'HealthyWebServers', Unit: 'Count' }] }] },
      HealthyWebServers: 0,
    });
  });

  it('retries a throttled UPSERT and rejects an event that is not a fleet event', async () => {
    const { handler } = setup([{ id: 'i-0web1', publicIp: '203.0.113.10', tags: web }], []);
    r53mock
      .on(ChangeResourceRecordSetsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }))
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: NOW } });
    await invoke<FleetEvent, void>(handler, 'schedule-rate.json');
    expect(r53mock).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 2);
    await expect(invoke<FleetEvent, void>(handler, { 'detail-type': 'Object Created' } as unknown as FleetEvent)).rejects.toThrow(/not a fleet event/);
  });
});
