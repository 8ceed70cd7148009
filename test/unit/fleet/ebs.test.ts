import { DescribeSubnetsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { describeSlotVolumes, describeSubnets } from '../../../cloud/ebs';
import { TAG } from '../../../core/fleet';
import { dbVolume } from '../../support/aws-shapes';

const ec2mock = mockClient(EC2Client);
const ec2 = new EC2Client({});

beforeEach(() => ec2mock.reset());

describe('EBS adapter', () => {
  it('finds the slot volume by its cluster and slot tags, across pages, with its attachments', async () => {
    ec2mock
      .on(DescribeVolumesCommand, { NextToken: undefined })
      .resolves({ Volumes: [], NextToken: 'page-2' })
      .on(DescribeVolumesCommand, { NextToken: 'page-2' })
      .resolves({ Volumes: [dbVolume('i-0db', 'attaching')] });
    const volumes = await describeSlotVolumes(ec2, 'main', 'db');
    expect(volumes).toEqual([
      {
        id: 'vol-0db0123456789abcd',
        state: 'in-use',
        availabilityZone: 'eu-west-1a',
        attachments: [{ instanceId: 'i-0db', device: '/dev/sdf', state: 'attaching' }],
        tags: { [TAG.cluster]: 'main', [TAG.slot]: 'db' },
      },
    ]);
    expect(ec2mock).toHaveReceivedNthSpecificCommandWith(1, DescribeVolumesCommand, {
      Filters: [
        { Name: 'tag:shelfstack:cluster', Values: ['main'] },
        { Name: 'tag:shelfstack:slot', Values: ['db'] },
      ],
    });
  });

  it('gives the subnets in the configured order with their AZs, and asks nothing with none configured', async () => {
    ec2mock.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        { SubnetId: 'subnet-0aaaa1111', AvailabilityZone: 'eu-west-1a', VpcId: 'vpc-0abc1234', State: 'available' },
        { SubnetId: 'subnet-0bbbb2222', AvailabilityZone: 'eu-west-1b', VpcId: 'vpc-0abc1234', State: 'available' },
      ],
    });
    expect(await describeSubnets(ec2, ['subnet-0bbbb2222', 'subnet-0aaaa1111'])).toEqual([
      { id: 'subnet-0bbbb2222', availabilityZone: 'eu-west-1b' },
      { id: 'subnet-0aaaa1111', availabilityZone: 'eu-west-1a' },
    ]);
    ec2mock.reset();
    expect(await describeSubnets(ec2, [])).toEqual([]);
    expect(ec2mock).not.toHaveReceivedCommand(DescribeSubnetsCommand);
  });
});
