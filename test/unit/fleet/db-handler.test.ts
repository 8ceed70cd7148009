import '../../support/fleet-env';
import {
  AttachVolumeCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { TAG } from '../../../core/fleet';
import { AttachmentNotVerifiedError } from '../../../cloud/ebs';
import { dbHandler } from '../../../functions/db';
import { captureLog, dbVolume, ec2Instance, impairedStatus, okStatus, reservations, type Ec2Spec } from '../../support/aws-shapes';
import { useIamRole } from '../../support/iam';
import { invoke, type FleetEvent } from '../../support/lambda';

const ec2mock = mockClient(EC2Client);
useIamRole('DbRole', { params: { cluster: 'main', subnets: 'subnet-0aaaa1111,subnet-0bbbb2222' }, refs: { DbLaunchTemplate: 'lt-0db123def4567890a' } });
const NOW = new Date('2026-11-24T12:00:00.000Z');
const dbTags = { [TAG.cluster]: 'main', [TAG.role]: 'db,repl', [TAG.slot]: 'db' };
const volumeFilter = { Filters: [{ Name: 'tag:shelfstack:cluster', Values: ['main'] }, { Name: 'tag:shelfstack:slot', Values: ['db'] }] };

function setup(fleet: Ec2Spec[], attachment: { instanceId: string; state: string } | undefined, statuses = fleet.filter((f) => (f.state ?? 'running') === 'running').map((f) => okStatus(f.id))) {
  ec2mock.on(DescribeInstancesCommand).resolves(reservations(fleet));
  ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: statuses });
  ec2mock.on(DescribeVolumesCommand, volumeFilter).resolves({ Volumes: [dbVolume(attachment?.instanceId, attachment?.state)] });
  ec2mock.on(DescribeSubnetsCommand).resolves({
    Subnets: [
      { SubnetId: 'subnet-0aaaa1111', AvailabilityZone: 'eu-west-1a', AvailabilityZoneId: 'euw1-az1', VpcId: 'vpc-0abc1234', State: 'available', CidrBlock: '10.0.1.0/24' },
      { SubnetId: 'subnet-0bbbb2222', AvailabilityZone: 'eu-west-1b', AvailabilityZoneId: 'euw1-az2', VpcId: 'vpc-0abc1234', State: 'available', CidrBlock: '10.0.2.0/24' },
    ],
  });
  ec2mock.on(RunInstancesCommand).resolves({
    ReservationId: 'r-0new',
    OwnerId: '123456789012',
    Instances: [ec2Instance({ id: 'i-0dbnew', state: 'pending', clientToken: 'db-main-i-0dbold', tags: dbTags })],
  });
  ec2mock.on(StopInstancesCommand).resolves({
    StoppingInstances: [{ InstanceId: 'i-0dbold', CurrentState: { Code: 64, Name: 'stopping' }, PreviousState: { Code: 16, Name: 'running' } }],
  });
  ec2mock.on(DetachVolumeCommand).resolves({ AttachTime: new Date('2026-10-01T00:05:00.000Z'), Device: '/dev/sdf', InstanceId: 'i-0dbold', State: 'detaching', VolumeId: 'vol-0db0123456789abcd' });
  const logger = captureLog();
  const handler = dbHandler({
    ec2: new EC2Client({}),
    cluster: 'main',
    dbLaunchTemplate: 'lt-0db123def4567890a',
    dbDevice: '/dev/sdf',
    subnets: ['subnet-0bbbb2222', 'subnet-0aaaa1111'],
    healthGrace: 300,
    healthPort: 80,
    logger,
    now: () => NOW,
  });
  return { handler, logger };
}

beforeEach(() => ec2mock.reset());

describe('db handler', () => {
  it('stops a holder failing its checks past the grace and launches one tagged replacement in the volume AZ, twice the same', async () => {
    const { handler } = setup([{ id: 'i-0dbold', privateIp: '10.0.1.10', tags: dbTags }], { instanceId: 'i-0dbold', state: 'attached' }, [impairedStatus('i-0dbold', new Date('2026-11-24T11:50:00.000Z'))]);
    await invoke<FleetEvent, void>(handler, 'schedule-rate.json');
    await invoke<FleetEvent, void>(handler, 'schedule-rate.json');

    const launches = ec2mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(launches).toHaveLength(2);
    expect(launches[1]).toEqual(launches[0]);
    expect(launches[0]).toEqual({
      LaunchTemplate: { LaunchTemplateId: 'lt-0db123def4567890a', Version: '$Default' },
      MinCount: 1,
      MaxCount: 1,
      ClientToken: 'db-main-i-0dbold',
      SubnetId: 'subnet-0aaaa1111',
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            { Key: 'shelfstack:cluster', Value: 'main' },
            { Key: 'shelfstack:role', Value: 'db,repl' },
            { Key: 'shelfstack:slot', Value: 'db' },
          ],
        },
        { ResourceType: 'volume', Tags: [{ Key: 'shelfstack:cluster', Value: 'main' }] },
      ],
    });
    expect(ec2mock).toHaveReceivedCommandWith(DescribeSubnetsCommand, { SubnetIds: ['subnet-0bbbb2222', 'subnet-0aaaa1111'] });
    expect(ec2mock).toHaveReceivedCommandWith(StopInstancesCommand, { InstanceIds: ['i-0dbold'] });
    expect(ec2mock.commandCalls(StopInstancesCommand).every((c) => c.args[0].input.Force === undefined)).toBe(true);
    expect(ec2mock).not.toHaveReceivedCommand(DetachVolumeCommand);
    expect(ec2mock).not.toHaveReceivedCommand(AttachVolumeCommand);
  });

  it('forces off a holder hung in stopping past the grace, dated by its StateTransitionReason, and no sooner', async () => {
    const hung = (at: string): Ec2Spec[] => [
      { id: 'i-0dbold', state: 'stopping', privateIp: '10.0.1.10', stateReason: `User initiated (${at} GMT)`, tags: dbTags },
      { id: 'i-0dbnew', privateIp: '10.0.1.20', clientToken: 'db-main-i-0dbold', tags: dbTags },
    ];
    const recent = setup(hung('2026-11-24 11:58:00'), { instanceId: 'i-0dbold', state: 'attached' });
    await invoke<FleetEvent, void>(recent.handler, 'schedule-rate.json');
    expect(ec2mock).not.toHaveReceivedCommand(StopInstancesCommand);

    ec2mock.reset();
    const { handler } = setup(hung('2026-11-24 11:50:00'), { instanceId: 'i-0dbold', state: 'attached' });
    await invoke<FleetEvent, void>(handler, 'schedule-rate.json');
    expect(ec2mock.commandCalls(StopInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: ['i-0dbold'], Force: true }]);
    expect(ec2mock).not.toHaveReceivedCommand(DetachVolumeCommand);
  });

  it('detaches the volume from the stopped holder, without force, and attaches nothing in the same run', async () => {
    const { handler, logger } = setup(
      [
        { id: 'i-0dbold', state: 'stopped', privateIp: '10.0.1.10', tags: dbTags },
        { id: 'i-0dbnew', privateIp: '10.0.1.20', clientToken: 'db-main-i-0dbold', launchTime: new Date('2026-11-24T11:58:00Z'), tags: dbTags },
      ],
      { instanceId: 'i-0dbold', state: 'attached' },
    );
    await invoke<FleetEvent, void>(handler, 'ec2-state-change-stopped.json');
    expect(ec2mock.commandCalls(DetachVolumeCommand).map((c) => c.args[0].input)).toEqual([{ VolumeId: 'vol-0db0123456789abcd', InstanceId: 'i-0dbold' }]);
    expect(ec2mock).not.toHaveReceivedCommand(AttachVolumeCommand);
    expect(ec2mock).not.toHaveReceivedCommand(RunInstancesCommand);
    expect(logger.lines).toContainEqual(expect.objectContaining({ message: 'db_volume_detached', attrs: expect.objectContaining({ state: 'detaching' }) }));
  });

  it('attaches the available volume to the running replacement at the device and verifies it', async () => {
    const fleet: Ec2Spec[] = [
      { id: 'i-0dbold', state: 'terminated', tags: dbTags },
      { id: 'i-0dbnew', privateIp: '10.0.1.20', clientToken: 'db-main-i-0dbold', tags: dbTags },
    ];
    const { handler } = setup(fleet, undefined);
    ec2mock.on(AttachVolumeCommand).resolves({ AttachTime: NOW, Device: '/dev/sdf', InstanceId: 'i-0dbnew', State: 'attaching', VolumeId: 'vol-0db0123456789abcd' });
    ec2mock.on(DescribeVolumesCommand, { VolumeIds: ['vol-0db0123456789abcd'] }).resolves({ Volumes: [dbVolume('i-0dbnew', 'attaching')] });
    await invoke<FleetEvent, void>(handler, 'ec2-state-change-running.json');
    expect(ec2mock.commandCalls(AttachVolumeCommand).map((c) => c.args[0].input)).toEqual([{ VolumeId: 'vol-0db0123456789abcd', InstanceId: 'i-0dbnew', Device: '/dev/sdf' }]);
    expect(ec2mock).toHaveReceivedCommandWith(DescribeVolumesCommand, { VolumeIds: ['vol-0db0123456789abcd'] });
    expect(ec2mock).not.toHaveReceivedCommand(RunInstancesCommand);
  });

  it('fails the run when the attachment does not show afterwards, so it is retried', async () => {
    const { handler } = setup([{ id: 'i-0dbnew', privateIp: '10.0.1.20', tags: dbTags }], undefined);
    ec2mock.on(AttachVolumeCommand).resolves({ State: 'attaching' });
    ec2mock.on(DescribeVolumesCommand, { VolumeIds: ['vol-0db0123456789abcd'] }).resolves({ Volumes: [dbVolume()] });
    await expect(invoke<FleetEvent, void>(handler, 'schedule-rate.json')).rejects.toThrow(AttachmentNotVerifiedError);
  });

  it('does nothing while a healthy holder has the volume, and rejects an event that is not a fleet event', async () => {
    const { handler } = setup([{ id: 'i-0db', privateIp: '10.0.1.10', tags: dbTags }], { instanceId: 'i-0db', state: 'attached' });
    await invoke<FleetEvent, void>(handler, 'schedule-rate.json');
    expect(ec2mock).not.toHaveReceivedCommand(RunInstancesCommand);
    expect(ec2mock).not.toHaveReceivedCommand(StopInstancesCommand);
    expect(ec2mock).not.toHaveReceivedCommand(DetachVolumeCommand);
    expect(ec2mock).not.toHaveReceivedCommand(AttachVolumeCommand);
    await expect(invoke<FleetEvent, void>(handler, { 'detail-type': 'Object Created' } as unknown as FleetEvent)).rejects.toThrow(/not a fleet event/);
  });
});
