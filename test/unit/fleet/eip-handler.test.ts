import '../../support/fleet-env';
import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { TAG } from '../../../core/fleet';
import { eipHandler, handler as deployedHandler } from '../../../functions/eip';
import { AssociationNotVerifiedError } from '../../../cloud/ec2';
import { captureLog, eipAddress, ec2Instance, impairedStatus, okStatus, reservations, type Ec2Spec } from '../../support/aws-shapes';
import { invoke, type FleetEvent } from '../../support/lambda';
import { useIamRole } from '../../support/iam';

const ec2mock = mockClient(EC2Client);
useIamRole('EipRole', {
  params: { cluster: 'main' },
  refs: { WebLaunchTemplate: 'lt-0abc123def4567890', FtpLaunchTemplate: 'lt-0f7f123def4567890', CacheLaunchTemplate: 'lt-0cac123def4567890' },
});
const NOW = new Date('2026-11-24T12:00:00.000Z');
const slot1 = { [TAG.cluster]: 'main', [TAG.role]: 'web', [TAG.slot]: 'www1' };
const eipTags = { [TAG.cluster]: 'main', [TAG.slot]: 'www1' };

function setup(fleet: Ec2Spec[], holder: string | undefined) {
  ec2mock.on(DescribeInstancesCommand).resolves(reservations(fleet));
  ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: fleet.filter((f) => (f.state ?? 'running') === 'running').map((f) => okStatus(f.id)) });
  ec2mock.on(DescribeAddressesCommand, { Filters: [{ Name: 'tag:shelfstack:cluster', Values: ['main'] }] }).resolves({ Addresses: [eipAddress('eipalloc-0a1b2c3d4e5f60001', '198.51.100.1', eipTags, holder)] });
  ec2mock.on(RunInstancesCommand).resolves({
    ReservationId: 'r-0new',
    OwnerId: '123456789012',
    Instances: [ec2Instance({ id: 'i-0replacement', state: 'pending', clientToken: 'eip-main-www1-i-0lost', tags: slot1 })],
  });
  const logger = captureLog();
  const handler = eipHandler({ ec2: new EC2Client({}), cluster: 'main', healthGrace: 300, healthPort: 80, launchTemplate: 'lt-0abc123def4567890', logger, now: () => NOW });
  return { handler, logger };
}

beforeEach(() => ec2mock.reset());

describe('eip handler', () => {
  it('launches one tagged replacement from the launch template with a ClientToken from slot and lost instance', async () => {
    const { handler } = setup([{ id: 'i-0lost', state: 'terminated', tags: slot1 }], undefined);
    await invoke<FleetEvent, void>(handler, 'ec2-state-change-terminated.json');
    await invoke<FleetEvent, void>(handler, 'ec2-state-change-terminated.json');

    const calls = ec2mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual(calls[0]);
    expect(calls[0]).toEqual({
      LaunchTemplate: { LaunchTemplateId: 'lt-0abc123def4567890', Version: '$Default' },
      MinCount: 1,
      MaxCount: 1,
      ClientToken: 'eip-main-www1-i-0lost',
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            { Key: 'shelfstack:cluster', Value: 'main' },
            { Key: 'shelfstack:role', Value: 'web' },
            { Key: 'shelfstack:slot', Value: 'www1' },
          ],
        },
        { ResourceType: 'volume', Tags: [{ Key: 'shelfstack:cluster', Value: 'main' }] },
      ],
    });
    expect(ec2mock).not.toHaveReceivedCommand(AssociateAddressCommand);
  });

  it('moves the address from a stopped holder to the healthy replacement, allowing reassociation, and verifies it', async () => {
    const { handler, logger } = setup(
      [
        { id: 'i-0lost', state: 'stopped', tags: slot1 },
        { id: 'i-0replacement', launchTime: new Date('2026-11-24T11:55:00Z'), tags: slot1 },
      ],
      'i-0lost',
    );
    ec2mock.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0f00' });
    ec2mock.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-0a1b2c3d4e5f60001'] }).resolves({ Addresses: [eipAddress('eipalloc-0a1b2c3d4e5f60001', '198.51.100.1', eipTags, 'i-0replacement')] });

    await invoke<FleetEvent, void>(handler, 'ec2-state-change-running.json');

    expect(ec2mock).toHaveReceivedCommandTimes(AssociateAddressCommand, 1);
    expect(ec2mock).toHaveReceivedCommandWith(AssociateAddressCommand, { AllocationId: 'eipalloc-0a1b2c3d4e5f60001', InstanceId: 'i-0replacement', AllowReassociation: true });
    expect(ec2mock).toHaveReceivedCommandWith(DescribeAddressesCommand, { AllocationIds: ['eipalloc-0a1b2c3d4e5f60001'] });
    expect(ec2mock).not.toHaveReceivedCommand(RunInstancesCommand);
    expect(logger.lines).toContainEqual(expect.objectContaining({ message: 'address_associated', attrs: expect.objectContaining({ from: 'i-0lost' }) }));
  });

  it('stops the server it replaced for failing its checks only after the address is verified on the replacement', async () => {
    const fleet: Ec2Spec[] = [
      { id: 'i-0lost', tags: slot1 },
      { id: 'i-0replacement', clientToken: 'eip-main-www1-i-0lost', launchTime: new Date('2026-11-24T11:55:00Z'), tags: slot1 },
    ];
    const { handler, logger } = setup(fleet, 'i-0lost');
    ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [impairedStatus('i-0lost', new Date('2026-11-24T11:40:00Z')), okStatus('i-0replacement')] });
    ec2mock.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0f00' });
    ec2mock.on(StopInstancesCommand).resolves({ StoppingInstances: [{ InstanceId: 'i-0lost', CurrentState: { Code: 64, Name: 'stopping' }, PreviousState: { Code: 16, Name: 'running' } }] });
    const verify = ec2mock.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-0a1b2c3d4e5f60001'] });

    verify.resolves({ Addresses: [eipAddress('eipalloc-0a1b2c3d4e5f60001', '198.51.100.1', eipTags, 'i-0lost')] });
    await expect(invoke<FleetEvent, void>(handler, 'schedule-rate.json')).rejects.toThrow(AssociationNotVerifiedError);
    expect(ec2mock).not.toHaveReceivedCommand(StopInstancesCommand);

    verify.resolves({ Addresses: [eipAddress('eipalloc-0a1b2c3d4e5f60001', '198.51.100.1', eipTags, 'i-0replacement')] });
    await invoke<FleetEvent, void>(handler, 'schedule-rate.json');
    expect(ec2mock.commandCalls(StopInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: ['i-0lost'] }]);
    expect(logger.lines).toContainEqual(expect.objectContaining({ message: 'replaced_server_stopped', attrs: expect.objectContaining({ instanceId: 'i-0lost', slot: 'www1' }) }));
  });

  it('does nothing while the slot holder is healthy, as the deployed handler wired from the environment', async () => {
    setup([{ id: 'i-0holder', tags: slot1 }, { id: 'i-0spare', tags: slot1, launchTime: NOW }], 'i-0holder');
    await invoke<FleetEvent, void>(deployedHandler, 'schedule-rate.json');
    expect(ec2mock).toHaveReceivedCommand(DescribeInstancesCommand);
    expect(ec2mock).not.toHaveReceivedCommand(AssociateAddressCommand);
    expect(ec2mock).not.toHaveReceivedCommand(RunInstancesCommand);
  });
});

describe('eip handler: web slots spread over the subnets', () => {
  it('launches each empty slot in its own subnet (www<N> in subnets[(N-1) mod n]), naming the web group and a public address', async () => {
    const subnets = ['subnet-0aaaa1111', 'subnet-0bbbb2222'];
    const slots = ['www1', 'www2', 'www3'];
    ec2mock.on(DescribeInstancesCommand).resolves(reservations([]));
    ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [] });
    ec2mock.on(DescribeAddressesCommand).resolves({
      Addresses: slots.map((slot, k) => eipAddress(`eipalloc-0a1b2c3d4e5f6000${k + 1}`, `198.51.100.${k + 1}`, { [TAG.cluster]: 'main', [TAG.slot]: slot }, undefined)),
    });
    ec2mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });
    const handler = eipHandler({
      ec2: new EC2Client({}), cluster: 'main', healthGrace: 300, healthPort: 80, launchTemplate: 'lt-0abc123def4567890',
      subnets, webSecurityGroup: 'sg-0web1234567890ab', logger: captureLog(), now: () => NOW,
    });
    await invoke<FleetEvent, void>(handler, 'schedule-rate.json');

    const calls = ec2mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.TagSpecifications![0]!.Tags!.find((t) => t.Key === TAG.slot)!.Value, c.NetworkInterfaces])).toEqual(
      ['www1', 'www2', 'www3'].map((slot, k) => [
        slot,
        [{ DeviceIndex: 0, SubnetId: subnets[k % 2], Groups: ['sg-0web1234567890ab'], AssociatePublicIpAddress: true, DeleteOnTermination: true }],
      ]),
    );
    // Next to NetworkInterfaces, EC2 refuses these (InvalidParameterCombination).
    for (const c of calls) expect([c.SubnetId, c.SecurityGroupIds, c.Placement]).toEqual([undefined, undefined, undefined]);
  });
});

describe('eip handler: the FTP and cache slots', () => {
  const deps = { cluster: 'main', healthGrace: 300, healthPort: 80, launchTemplate: 'lt-0abc123def4567890', ftpLaunchTemplate: 'lt-0f7f123def4567890', cacheLaunchTemplate: 'lt-0cac123def4567890', now: () => NOW };

  it('launches an empty cluster\'s FTP and cache servers from their own templates, once under duplicate runs', async () => {
    ec2mock.on(DescribeInstancesCommand).resolves(reservations([]));
    ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [] });
    ec2mock.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });
    const handler = eipHandler({ ec2: new EC2Client({}), logger: captureLog(), ...deps });
    await invoke<FleetEvent, void>(handler, 'schedule-rate.json');
    await invoke<FleetEvent, void>(handler, 'schedule-rate.json');

    const calls = ec2mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.LaunchTemplate?.LaunchTemplateId, c.ClientToken, c.TagSpecifications![0]!.Tags])).toEqual([
      ['lt-0f7f123def4567890', 'ftp-main-none2026112412', [{ Key: 'shelfstack:cluster', Value: 'main' }, { Key: 'shelfstack:role', Value: 'ftp' }, { Key: 'shelfstack:slot', Value: 'ftp' }]],
      ['lt-0cac123def4567890', 'cache-main-none2026112412', [{ Key: 'shelfstack:cluster', Value: 'main' }, { Key: 'shelfstack:role', Value: 'cache' }, { Key: 'shelfstack:slot', Value: 'cache' }]],
      ['lt-0f7f123def4567890', 'ftp-main-none2026112412', expect.any(Array)],
      ['lt-0cac123def4567890', 'cache-main-none2026112412', expect.any(Array)],
    ]);
    // Their templates place them: the request names no subnet or interface.
    for (const c of calls) expect([c.SubnetId, c.NetworkInterfaces]).toEqual([undefined, undefined]);
  });

  it('leaves a healthy FTP server (launched by hand, without a slot tag) alone and replaces a terminated cache server', async () => {
    const fleet: Ec2Spec[] = [
      { id: 'i-0ftp', tags: { [TAG.cluster]: 'main', [TAG.role]: 'ftp' } },
      { id: 'i-0cachelost', state: 'terminated', tags: { [TAG.cluster]: 'main', [TAG.role]: 'cache', [TAG.slot]: 'cache' } },
    ];
    ec2mock.on(DescribeInstancesCommand).resolves(reservations(fleet));
    ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [okStatus('i-0ftp')] });
    ec2mock.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });
    await invoke<FleetEvent, void>(eipHandler({ ec2: new EC2Client({}), logger: captureLog(), ...deps }), 'ec2-state-change-terminated.json');

    const calls = ec2mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.LaunchTemplate?.LaunchTemplateId, c.ClientToken])).toEqual([['lt-0cac123def4567890', 'cache-main-i-0cachelost']]);
    expect(ec2mock).not.toHaveReceivedCommand(StopInstancesCommand);
  });

  it('stops a cache server still running but failing its checks once its replacement is healthy (hosts would keep naming it)', async () => {
    const cacheTags = { [TAG.cluster]: 'main', [TAG.role]: 'cache', [TAG.slot]: 'cache' };
    const fleet: Ec2Spec[] = [
      { id: 'i-0cachesick', launchTime: new Date('2026-11-24T08:00:00Z'), tags: cacheTags },
      { id: 'i-0cachenew', launchTime: new Date('2026-11-24T11:50:00Z'), tags: cacheTags },
    ];
    ec2mock.on(DescribeInstancesCommand).resolves(reservations(fleet));
    ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [impairedStatus('i-0cachesick', new Date('2026-11-24T11:00:00Z')), okStatus('i-0cachenew')] });
    ec2mock.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2mock.on(StopInstancesCommand).resolves({ StoppingInstances: [] });
    await invoke<FleetEvent, void>(eipHandler({ ec2: new EC2Client({}), logger: captureLog(), ...deps, ftpLaunchTemplate: undefined }), 'schedule-rate.json');

    expect(ec2mock).toHaveReceivedCommandWith(StopInstancesCommand, { InstanceIds: ['i-0cachesick'] });
    expect(ec2mock).not.toHaveReceivedCommand(RunInstancesCommand);
  });
});
