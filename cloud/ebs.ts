import {
  AttachVolumeCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  type EC2Client,
  type Volume as Ec2Volume,
} from '@aws-sdk/client-ec2';
import { TAG, type AttachmentState, type Subnet, type Volume, type VolumeState } from '../core/fleet';
import { clusterFilter, tagMap } from './ec2';

/** An attachment that DescribeVolumes does not show right after AttachVolume. */
export class AttachmentNotVerifiedError extends Error {
  override name = 'AttachmentNotVerifiedError';
}

function toVolume(v: Ec2Volume): Volume {
  return {
    id: v.VolumeId!,
    state: (v.State ?? 'error') as VolumeState,
    availabilityZone: v.AvailabilityZone ?? '',
    attachments: (v.Attachments ?? [])
      .filter((a) => a.InstanceId)
      .map((a) => ({ instanceId: a.InstanceId!, device: a.Device ?? '', state: (a.State ?? 'attached') as AttachmentState })),
    tags: tagMap(v.Tags),
  };
}

/** The cluster's volumes tagged with a slot (the db slot's data volume), DescribeVolumes followed across pages. */
export async function describeSlotVolumes(ec2: EC2Client, cluster: string, slot: string): Promise<Volume[]> {
  const out: Volume[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeVolumesCommand({ Filters: [...clusterFilter(cluster), { Name: `tag:${TAG.slot}`, Values: [slot] }], NextToken: token }),
    );
    out.push(...(page.Volumes ?? []).map(toVolume));
    token = page.NextToken;
  } while (token);
  return out;
}

/** The AZ of each of these subnets, in the order given (unknown ids fail the call: a configuration error). */
export async function describeSubnets(ec2: EC2Client, ids: readonly string[]): Promise<Subnet[]> {
  if (!ids.length) return [];
  const res = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [...ids] }));
  const az = new Map((res.Subnets ?? []).map((s) => [s.SubnetId!, s.AvailabilityZone ?? '']));
  return ids.filter((id) => az.has(id)).map((id) => ({ id, availabilityZone: az.get(id)! }));
}

/** Detaches from a stopped instance. Never Force: that is for a running instance that will not let go, which we never touch. */
export async function detachVolume(ec2: EC2Client, volumeId: string, instanceId: string): Promise<string> {
  const res = await ec2.send(new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId }));
  return res.State ?? '';
}

/** Attaches the volume, then checks with DescribeVolumes that the instance holds it (attaching or attached). */
export async function attachVolume(ec2: EC2Client, volumeId: string, instanceId: string, device: string): Promise<string> {
  const res = await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }));
  const check = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
  const held = (check.Volumes?.[0]?.Attachments ?? []).find((a) => a.InstanceId === instanceId && (a.State === 'attaching' || a.State === 'attached'));
  if (!held) {
    const holders = (check.Volumes?.[0]?.Attachments ?? []).map((a) => `${a.InstanceId} (${a.State})`).join(', ') || 'nothing';
    throw new AttachmentNotVerifiedError(`${volumeId} is held by ${holders} after attaching it to ${instanceId}`);
  }
  return res.State ?? held.State ?? '';
}
