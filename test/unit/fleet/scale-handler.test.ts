import '../../support/fleet-env';
import { CreateTagsCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand, DescribeInstanceStatusCommand } from '@aws-sdk/client-ec2';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { TAG } from '../../../core/fleet';
import { parseScaleRules } from '../../../core/scale-rules';
import { scaleHandler, type ScaleInput } from '../../../functions/scale';
import { captureLog, okStatus, reservations, type Ec2Spec } from '../../support/aws-shapes';
import { invoke } from '../../support/lambda';
import { useIamRole } from '../../support/iam';

const ec2mock = mockClient(EC2Client);
const r53mock = mockClient(Route53Client);
useIamRole('ScaleRole', { params: { cluster: 'main', zoneId: 'Z0123456789ABCDEFGHIJ', record: 'www.shelfstack.example' }, names: { WebLaunchTemplate: 'shelfstack-web' } });
const NOW = new Date('2026-11-24T12:10:00.000Z');
const surge = { [TAG.cluster]: 'main', [TAG.role]: 'web', [TAG.surge]: 'newsletter' };
const drained = (secondsAgo: number) => ({ ...surge, [TAG.lifecycle]: 'draining', [TAG.drainedAt]: new Date(NOW.getTime() - secondsAgo * 1000).toISOString() });

function setup(fleet: Ec2Spec[], record: string[] = []) {
  ec2mock.on(DescribeInstancesCommand).resolves(reservations(fleet));
  ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: fleet.map((f) => okStatus(f.id)) });
  ec2mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });
  ec2mock.on(CreateTagsCommand).resolves({});
  ec2mock.on(TerminateInstancesCommand).resolves({ TerminatingInstances: [] });
  r53mock.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: [{ Name: 'www.shelfstack.example.', Type: 'A', TTL: 300, ResourceRecords: record.map((Value) => ({ Value })) }],
    IsTruncated: false,
    MaxItems: 1,
  });
  return scaleHandler({
    ec2: new EC2Client({}),
    route53: new Route53Client({}),
    cluster: 'main',
    zoneId: 'Z0123456789ABCDEFGHIJ',
    record: 'www.shelfstack.example.',
    ttl: 300,
    drainGrace: 120,
    launchTemplate: 'shelfstack-web',
    scaleRules: parseScaleRules(process.env.SHELFSTACK_SCALE_RULES!),
    logger: captureLog(),
    now: () => NOW,
  });
}

beforeEach(() => {
  ec2mock.reset();
  r53mock.reset();
});

describe('scale handler', () => {
  it('scales out with one RunInstances per missing server, tokens per rule and scheduled date', async () => {
    const handler = setup([{ id: 'i-0first', clientToken: 'surge-main-newsletter-2026-11-24-1', tags: surge }]);
    await invoke<ScaleInput, void>(handler, 'schedule-scale-out.json');
    expect(ec2mock).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
    expect(ec2mock).toHaveReceivedCommandWith(RunInstancesCommand, {
      LaunchTemplate: { LaunchTemplateName: 'shelfstack-web', Version: '$Default' },
      MinCount: 1,
      MaxCount: 1,
      ClientToken: 'surge-main-newsletter-2026-11-24-2',
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: TAG.cluster, Value: 'main' }, { Key: TAG.role, Value: 'web' }, { Key: TAG.surge, Value: 'newsletter' }] },
        { ResourceType: 'volume', Tags: [{ Key: TAG.cluster, Value: 'main' }] },
      ],
    });
  });

  it('drains the rule surge servers with the lifecycle tag', async () => {
    const handler = setup([{ id: 'i-0s1', tags: surge }, { id: 'i-0web', tags: { [TAG.cluster]: 'main', [TAG.role]: 'web' } }]);
    await invoke<ScaleInput, void>(handler, 'schedule-scale-drain.json');
    expect(ec2mock).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: ['i-0s1'], Tags: [{ Key: TAG.lifecycle, Value: 'draining' }] });
    expect(ec2mock).not.toHaveReceivedCommand(RunInstancesCommand);
  });

  it('terminates only the drained surge servers that have been out of DNS for TTL + grace', async () => {
    const handler = setup(
      [
        { id: 'i-0gone-long-ago', publicIp: '203.0.113.21', tags: drained(421) },
        { id: 'i-0just-drained', publicIp: '203.0.113.22', tags: drained(60) },
        { id: 'i-0still-in-dns', publicIp: '203.0.113.23', tags: drained(999) },
        { id: 'i-0not-surge', publicIp: '203.0.113.24', tags: { [TAG.cluster]: 'main', [TAG.role]: 'web', [TAG.lifecycle]: 'draining', [TAG.drainedAt]: '2026-11-01T00:00:00Z' } },
      ],
      ['203.0.113.23'],
    );
    await invoke<ScaleInput, void>(handler, 'schedule-scale-terminate.json');
    expect(ec2mock).toHaveReceivedCommandTimes(TerminateInstancesCommand, 1);
    expect(ec2mock).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0gone-long-ago'] });
  });

  it('rejects an input naming an unknown rule before calling AWS', async () => {
    const handler = setup([]);
    await expect(invoke<ScaleInput, void>(handler, { action: 'scale-out', rule: 'black-friday' })).rejects.toThrow(/unknown scale rule/);
    expect(ec2mock).not.toHaveReceivedAnyCommand();
  });
});

describe('scale handler: surge servers spread over the subnets', () => {
  it('launches a rule\'s surge servers round-robin over the subnets, each naming the web group', async () => {
    setup([]);
    const subnets = ['subnet-0aaaa1111', 'subnet-0bbbb2222', 'subnet-0cccc3333'];
    const spread = scaleHandler({
      ec2: new EC2Client({}), route53: new Route53Client({}), cluster: 'main', zoneId: 'Z0123456789ABCDEFGHIJ', record: 'www.shelfstack.example.',
      ttl: 300, drainGrace: 120, launchTemplate: 'shelfstack-web', logger: captureLog(), now: () => NOW,
      scaleRules: parseScaleRules('[{"name":"newsletter","out":"cron(0 6 ? * TUE *)","count":4,"drain":"cron(0 12 ? * TUE *)","timezone":"Europe/London"}]'),
      subnets, webSecurityGroup: 'sg-0web1234567890ab',
    });
    await invoke<ScaleInput, void>(spread, 'schedule-scale-out.json');

    const nics = ec2mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.NetworkInterfaces);
    expect(nics).toEqual([0, 1, 2, 0].map((k) => [{ DeviceIndex: 0, SubnetId: subnets[k], Groups: ['sg-0web1234567890ab'], AssociatePublicIpAddress: true, DeleteOnTermination: true }]));
  });
});
