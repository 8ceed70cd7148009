import { AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand, DescribeInstanceStatusCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { associateAddress, AssociationNotVerifiedError, launchInstance, launchTemplateSpec, observeInstances } from '../../../cloud/ec2';
import { TAG } from '../../../core/fleet';
import { eipAddress, impairedStatus, okStatus, reservations } from '../../support/aws-shapes';

const ec2mock = mockClient(EC2Client);
const ec2 = new EC2Client({});
const tags = { [TAG.cluster]: 'main', [TAG.role]: 'web' };

beforeEach(() => ec2mock.reset());

describe('EC2 adapter', () => {
  it('follows DescribeInstances across pages, filtered on the cluster tag, and adds status checks', async () => {
    ec2mock
      .on(DescribeInstancesCommand, { NextToken: undefined })
      .resolves(reservations([{ id: 'i-01', privateIp: '10.0.0.1', tags }], 'page-2'))
      .on(DescribeInstancesCommand, { NextToken: 'page-2' })
      .resolves(reservations([{ id: 'i-02', tags }, { id: 'i-03', state: 'stopped', tags }]));
    const since = new Date('2026-11-24T11:50:00Z');
    ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [okStatus('i-01'), impairedStatus('i-02', since)] });

    const instances = await observeInstances(ec2, 'main');

    expect(instances.map((i) => [i.id, i.state])).toEqual([['i-01', 'running'], ['i-02', 'running'], ['i-03', 'stopped']]);
    expect(ec2mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    expect(ec2mock).toHaveReceivedNthSpecificCommandWith(1, DescribeInstancesCommand, { Filters: [{ Name: 'tag:shelfstack:cluster', Values: ['main'] }], MaxResults: 1000 });
    expect(ec2mock).toHaveReceivedCommandWith(DescribeInstanceStatusCommand, { InstanceIds: ['i-01', 'i-02'] });
    expect(instances[0]!.checks).toEqual({ instance: 'ok', system: 'ok', impairedSince: undefined });
    expect(instances[1]!.checks).toEqual({ instance: 'impaired', system: 'ok', impairedSince: since });
    expect(instances[2]!.checks).toBeUndefined();
  });

  it('verifies an association and fails with a named error when DescribeAddresses disagrees', async () => {
    ec2mock.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0123' });
    ec2mock.on(DescribeAddressesCommand).resolves({ Addresses: [eipAddress('eipalloc-01', '198.51.100.1', {}, 'i-someone-else')] });
    await expect(associateAddress(ec2, 'eipalloc-01', 'i-01', false)).rejects.toBeInstanceOf(AssociationNotVerifiedError);
    ec2mock.on(DescribeAddressesCommand).resolves({ Addresses: [eipAddress('eipalloc-01', '198.51.100.1', {}, 'i-01')] });
    await expect(associateAddress(ec2, 'eipalloc-01', 'i-01', false)).resolves.toBe('eipassoc-0123');
  });

  it('places a launch: the interface in full with groups, a bare SubnetId without, an AZ, or nothing (never two of them)', async () => {
    ec2mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });
    await launchInstance(ec2, 'lt-0abc123def4567890', 't1', tags, { subnetId: 'subnet-0aaaa1111', securityGroupIds: ['sg-0web1234567890ab'] });
    await launchInstance(ec2, 'lt-0abc123def4567890', 't2', tags, { subnetId: 'subnet-0aaaa1111', availabilityZone: 'eu-west-1a' });
    await launchInstance(ec2, 'lt-0abc123def4567890', 't3', tags, { availabilityZone: 'eu-west-1b' });
    await launchInstance(ec2, 'lt-0abc123def4567890', 't4', tags);
    const placed = ec2mock.commandCalls(RunInstancesCommand).map(({ args: [{ input: i }] }) => ({ NetworkInterfaces: i.NetworkInterfaces, SubnetId: i.SubnetId, SecurityGroupIds: i.SecurityGroupIds, Placement: i.Placement }));
    expect(placed).toEqual([
      { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: 'subnet-0aaaa1111', Groups: ['sg-0web1234567890ab'], AssociatePublicIpAddress: true, DeleteOnTermination: true }] },
      { SubnetId: 'subnet-0aaaa1111' },
      { Placement: { AvailabilityZone: 'eu-west-1b' } },
      {},
    ]);
  });

  it('tells a launch template id from a name', () => {
    expect(launchTemplateSpec('lt-0abc123def4567890')).toEqual({ LaunchTemplateId: 'lt-0abc123def4567890', Version: '$Default' });
    expect(launchTemplateSpec('shelfstack-web')).toEqual({ LaunchTemplateName: 'shelfstack-web', Version: '$Default' });
  });
});
