import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeVolumesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  CreateTagsCommand,
} from '@aws-sdk/client-ec2';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { TAG } from '../../core/fleet';
import { dbVolume, eipAddress, okStatus, reservations, type Ec2Spec } from './aws-shapes';

export const SCENARIO_NOW = new Date('2026-11-24T12:00:00.000Z');
const base = { [TAG.cluster]: 'main' };

/**
 * A cluster the morning after a newsletter: www1 healthy, www2 terminated overnight, one surge
 * server drained ten minutes ago, one still serving, the database moved to a new instance and the
 * replication server stopped.
 */
export const SCENARIO_FLEET: Ec2Spec[] = [
  { id: 'i-0a1b2c3d4e5f60001', privateIp: '10.0.2.11', publicIp: '198.51.100.1', tags: { ...base, [TAG.role]: 'web', [TAG.slot]: 'www1' } },
  { id: 'i-0a1b2c3d4e5f60002', state: 'terminated', tags: { ...base, [TAG.role]: 'web', [TAG.slot]: 'www2' } },
  {
    id: 'i-0a1b2c3d4e5f60003',
    privateIp: '10.0.2.30',
    publicIp: '203.0.113.30',
    tags: { ...base, [TAG.role]: 'web', [TAG.surge]: 'newsletter', [TAG.lifecycle]: 'draining', [TAG.drainedAt]: '2026-11-24T11:50:00.000Z' },
  },
  { id: 'i-0a1b2c3d4e5f60004', privateIp: '10.0.2.31', publicIp: '203.0.113.31', tags: { ...base, [TAG.role]: 'web', [TAG.surge]: 'newsletter' } },
  { id: 'i-0a1b2c3d4e5f60005', privateIp: '10.0.1.10', tags: { ...base, [TAG.role]: 'db,cache', [TAG.slot]: 'db', [TAG.hostnames]: 'mysql.internal' } },
  { id: 'i-0a1b2c3d4e5f60006', state: 'stopped', privateIp: '10.0.1.11', tags: { ...base, [TAG.role]: 'repl,ftp' } },
];

export const SCENARIO_HOSTS = '# old hand-made file\n10.0.1.9 dbserver\n10.0.1.11 replserver\n10.0.1.11 ftpserver\n';

export function mockScenario(ec2mock: AwsClientStub<EC2Client>, r53mock: AwsClientStub<Route53Client>): void {
  ec2mock.on(DescribeInstancesCommand).resolves(reservations(SCENARIO_FLEET));
  ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: SCENARIO_FLEET.filter((f) => !f.state).map((f) => okStatus(f.id)) });
  ec2mock.on(DescribeAddressesCommand).resolves({
    Addresses: [
      eipAddress('eipalloc-0aaaa00000000001', '198.51.100.1', { ...base, [TAG.slot]: 'www1' }, 'i-0a1b2c3d4e5f60001'),
      eipAddress('eipalloc-0aaaa00000000002', '198.51.100.2', { ...base, [TAG.slot]: 'www2' }),
    ],
  });
  ec2mock.on(DescribeVolumesCommand).resolves({ Volumes: [dbVolume('i-0a1b2c3d4e5f60005')] });
  ec2mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0a1b2c3d4e5f60007' }] });
  ec2mock.on(CreateTagsCommand).resolves({});
  ec2mock.on(TerminateInstancesCommand).resolves({ TerminatingInstances: [] });
  r53mock.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: [{ Name: 'www.shelfstack.example.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '198.51.100.1' }, { Value: '198.51.100.2' }] }],
    IsTruncated: false,
    MaxItems: 1,
  });
  r53mock.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C0SCENARIO', Status: 'PENDING', SubmittedAt: SCENARIO_NOW } });
}
