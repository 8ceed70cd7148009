import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Address, DescribeInstancesCommandOutput, Instance, InstanceStatus, Reservation, Volume } from '@aws-sdk/client-ec2';
import type { FleetLog } from '../../functions/commons/fleet';

/** A sample event from events/. */
export function sampleEvent<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(path.join(__dirname, '../../events', name), 'utf8')) as T;
}

const STATE_CODES: Record<string, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

export interface Ec2Spec {
  id: string;
  state?: string;
  privateIp?: string;
  publicIp?: string;
  clientToken?: string;
  launchTime?: Date;
  /** StateTransitionReason, e.g. "User initiated (2026-11-24 11:50:00 GMT)". */
  stateReason?: string;
  tags: Record<string, string>;
}

/** An instance as DescribeInstances returns it (after the SDK's parsing), trimmed to the fields that matter. */
export function ec2Instance(s: Ec2Spec): Instance {
  const state = s.state ?? 'running';
  return {
    InstanceId: s.id,
    ImageId: 'ami-0123456789abcdef0',
    InstanceType: 't3.small',
    LaunchTime: s.launchTime ?? new Date('2026-11-01T00:00:00.000Z'),
    Placement: { AvailabilityZone: 'eu-west-1a', Tenancy: 'default' },
    PrivateDnsName: s.privateIp ? `ip-${s.privateIp.replace(/\./g, '-')}.eu-west-1.compute.internal` : '',
    PrivateIpAddress: s.privateIp,
    PublicIpAddress: s.publicIp,
    State: { Code: STATE_CODES[state], Name: state as never },
    SubnetId: 'subnet-0abc1234',
    VpcId: 'vpc-0abc1234',
    Architecture: 'arm64',
    ClientToken: s.clientToken ?? '',
    StateTransitionReason: s.stateReason ?? '',
    Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

export function reservations(specs: Ec2Spec[], nextToken?: string): DescribeInstancesCommandOutput {
  const Reservations: Reservation[] = specs.map((s, k) => ({
    ReservationId: `r-0${String(k).padStart(16, '0')}`,
    OwnerId: '123456789012',
    Groups: [],
    Instances: [ec2Instance(s)],
  }));
  return { Reservations, NextToken: nextToken, $metadata: { httpStatusCode: 200 } };
}

export function okStatus(id: string): InstanceStatus {
  return {
    InstanceId: id,
    AvailabilityZone: 'eu-west-1a',
    InstanceState: { Code: 16, Name: 'running' },
    InstanceStatus: { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] },
    SystemStatus: { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] },
  };
}

export function impairedStatus(id: string, since: Date): InstanceStatus {
  return {
    ...okStatus(id),
    InstanceStatus: { Status: 'impaired', Details: [{ Name: 'reachability', Status: 'failed', ImpairedSince: since }] },
  };
}

export function eipAddress(allocationId: string, publicIp: string, tags: Record<string, string>, instanceId?: string): Address {
  return {
    AllocationId: allocationId,
    PublicIp: publicIp,
    Domain: 'vpc',
    PublicIpv4Pool: 'amazon',
    NetworkBorderGroup: 'eu-west-1',
    ...(instanceId
      ? { InstanceId: instanceId, AssociationId: `eipassoc-0${allocationId.slice(-6)}`, NetworkInterfaceId: 'eni-0abc1234', PrivateIpAddress: '10.0.2.10' }
      : {}),
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

/** The db slot's data volume as DescribeVolumes returns it (EC2 API reference, Volume), attached to `holder` or available. */
export function dbVolume(holder?: string, attachmentState = 'attached'): Volume {
  return {
    VolumeId: 'vol-0db0123456789abcd',
    Size: 100,
    AvailabilityZone: 'eu-west-1a',
    State: holder ? 'in-use' : 'available',
    CreateTime: new Date('2026-10-01T00:00:00.000Z'),
    Attachments: holder
      ? [{ AttachTime: new Date('2026-10-01T00:05:00.000Z'), Device: '/dev/sdf', InstanceId: holder, State: attachmentState as never, VolumeId: 'vol-0db0123456789abcd', DeleteOnTermination: false }]
      : [],
    Encrypted: true,
    VolumeType: 'gp3',
    Iops: 3000,
    Throughput: 125,
    MultiAttachEnabled: false,
    Tags: [
      { Key: 'shelfstack:cluster', Value: 'main' },
      { Key: 'shelfstack:slot', Value: 'db' },
    ],
  };
}

/** A FleetLog that keeps every line, for assertions on what a handler reported. */
export function captureLog(): FleetLog & { lines: { level: string; message: string; attrs: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; attrs: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, attrs: Record<string, unknown> = {}) => void lines.push({ level, message, attrs });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}
