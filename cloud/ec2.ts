import {
  AssociateAddressCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance as Ec2Instance,
  type InstanceStatus,
  type Tag,
} from '@aws-sdk/client-ec2';
import { TAG, transitionTime, type Address, type CheckStatus, type Instance, type InstanceState, type StatusChecks } from '../core/fleet';

/** An association that DescribeAddresses does not confirm right after AssociateAddress. */
export class AssociationNotVerifiedError extends Error {
  override name = 'AssociationNotVerifiedError';
}

export function tagMap(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));
}

export function toTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export const clusterFilter = (cluster: string) => [{ Name: `tag:${TAG.cluster}`, Values: [cluster] }];

function toInstance(i: Ec2Instance): Instance {
  return {
    id: i.InstanceId!,
    state: (i.State?.Name ?? 'pending') as InstanceState,
    launchTime: i.LaunchTime ?? new Date(0),
    privateIp: i.PrivateIpAddress,
    publicIp: i.PublicIpAddress,
    clientToken: i.ClientToken || undefined,
    availabilityZone: i.Placement?.AvailabilityZone,
    stateSince: transitionTime(i.StateTransitionReason),
    tags: tagMap(i.Tags),
  };
}

/** Every instance tagged with the cluster, DescribeInstances followed across pages. */
export async function describeClusterInstances(ec2: EC2Client, cluster: string): Promise<Instance[]> {
  const out: Instance[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(new DescribeInstancesCommand({ Filters: clusterFilter(cluster), MaxResults: 1000, NextToken: token }));
    for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []).map(toInstance));
    token = page.NextToken;
  } while (token);
  return out;
}

function toChecks(s: InstanceStatus): StatusChecks {
  const failed = [...(s.InstanceStatus?.Details ?? []), ...(s.SystemStatus?.Details ?? [])]
    .map((d) => d.ImpairedSince)
    .filter((d): d is Date => d instanceof Date)
    .sort((a, b) => a.getTime() - b.getTime());
  return {
    instance: (s.InstanceStatus?.Status ?? 'insufficient-data') as CheckStatus,
    system: (s.SystemStatus?.Status ?? 'insufficient-data') as CheckStatus,
    impairedSince: failed[0],
  };
}

// DescribeInstanceStatus takes at most 100 instance ids per call.
const STATUS_BATCH = 100;

/** The status checks of the given instances (running ones only have any), by instance id. */
export async function describeStatusChecks(ec2: EC2Client, ids: readonly string[]): Promise<Map<string, StatusChecks>> {
  const out = new Map<string, StatusChecks>();
  for (let k = 0; k < ids.length; k += STATUS_BATCH) {
    let token: string | undefined;
    do {
      const page = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: ids.slice(k, k + STATUS_BATCH), NextToken: token }));
      for (const s of page.InstanceStatuses ?? []) if (s.InstanceId) out.set(s.InstanceId, toChecks(s));
      token = page.NextToken;
    } while (token);
  }
  return out;
}

/** The cluster's instances with their status checks filled in. */
export async function observeInstances(ec2: EC2Client, cluster: string): Promise<Instance[]> {
  const instances = await describeClusterInstances(ec2, cluster);
  const running = instances.filter((i) => i.state === 'running').map((i) => i.id);
  const checks = running.length ? await describeStatusChecks(ec2, running) : new Map<string, StatusChecks>();
  return instances.map((i) => (checks.has(i.id) ? { ...i, checks: checks.get(i.id) } : i));
}

export async function describeClusterAddresses(ec2: EC2Client, cluster: string): Promise<Address[]> {
  const res = await ec2.send(new DescribeAddressesCommand({ Filters: clusterFilter(cluster) }));
  return (res.Addresses ?? []).map((a) => ({
    allocationId: a.AllocationId!,
    publicIp: a.PublicIp!,
    instanceId: a.InstanceId || undefined,
    associationId: a.AssociationId || undefined,
    tags: tagMap(a.Tags),
  }));
}

/** `lt-…` is a launch template id, anything else its name; its default version is used. */
export function launchTemplateSpec(template: string) {
  return /^lt-[0-9a-f]+$/.test(template)
    ? { LaunchTemplateId: template, Version: '$Default' }
    : { LaunchTemplateName: template, Version: '$Default' };
}

/**
 * Where a launch goes. `subnetId` alone: the template's security groups, and a public address only
 * if the subnet assigns one. With `securityGroupIds` too, the primary interface is described here
 * in full (subnet, groups, a public address): RunInstances refuses a SubnetId or SecurityGroupIds
 * beside NetworkInterfaces, so such a template carries no network settings at all.
 */
export interface LaunchPlace {
  subnetId?: string;
  availabilityZone?: string;
  securityGroupIds?: readonly string[];
}

function placement(where: LaunchPlace) {
  if (where.subnetId && where.securityGroupIds?.length) {
    return {
      NetworkInterfaces: [
        // A public address from the start: a web server fetches its packages before its slot's elastic IP reaches it, and a surge server never gets one.
        { DeviceIndex: 0, SubnetId: where.subnetId, Groups: [...where.securityGroupIds], AssociatePublicIpAddress: true, DeleteOnTermination: true },
      ],
    };
  }
  // A subnet fixes the AZ; without one, EC2 picks the default subnet of the AZ asked for.
  if (where.subnetId) return { SubnetId: where.subnetId };
  return where.availabilityZone ? { Placement: { AvailabilityZone: where.availabilityZone } } : {};
}

/**
 * Launches one instance. The ClientToken makes a retry return the instance of the first call
 * instead of launching another; the tags are applied at launch, so the instance is never untagged.
 */
export async function launchInstance(
  ec2: EC2Client,
  template: string,
  clientToken: string,
  tags: Record<string, string>,
  where: LaunchPlace = {},
): Promise<string> {
  const res = await ec2.send(
    new RunInstancesCommand({
      LaunchTemplate: launchTemplateSpec(template),
      MinCount: 1,
      MaxCount: 1,
      ClientToken: clientToken,
      ...placement(where),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: toTags(tags) },
        { ResourceType: 'volume', Tags: toTags({ [TAG.cluster]: tags[TAG.cluster]! }) },
      ],
    }),
  );
  return res.Instances?.[0]?.InstanceId ?? '';
}

/** Associates the address and checks with DescribeAddresses that the instance now holds it. */
export async function associateAddress(ec2: EC2Client, allocationId: string, instanceId: string, allowReassociation: boolean): Promise<string> {
  const res = await ec2.send(new AssociateAddressCommand({ AllocationId: allocationId, InstanceId: instanceId, AllowReassociation: allowReassociation }));
  const check = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }));
  const holder = check.Addresses?.[0]?.InstanceId;
  if (holder !== instanceId) {
    throw new AssociationNotVerifiedError(`${allocationId} is held by ${holder ?? 'nothing'} after associating it with ${instanceId}`);
  }
  return res.AssociationId ?? '';
}

export async function tagResources(ec2: EC2Client, ids: readonly string[], tags: Record<string, string>): Promise<void> {
  if (ids.length) await ec2.send(new CreateTagsCommand({ Resources: [...ids], Tags: toTags(tags) }));
}

export async function untagResources(ec2: EC2Client, ids: readonly string[], keys: readonly string[]): Promise<void> {
  if (ids.length) await ec2.send(new DeleteTagsCommand({ Resources: [...ids], Tags: keys.map((Key) => ({ Key })) }));
}

export async function terminateInstances(ec2: EC2Client, ids: readonly string[]): Promise<void> {
  if (ids.length) await ec2.send(new TerminateInstancesCommand({ InstanceIds: [...ids] }));
}

/**
 * A clean stop (the file systems are flushed); stopping a stopped instance changes nothing. `force`
 * only for an instance already stuck in `stopping`: it is then powered off, as in a crash.
 */
export async function stopInstances(ec2: EC2Client, ids: readonly string[], force = false): Promise<void> {
  if (ids.length) await ec2.send(new StopInstancesCommand({ InstanceIds: [...ids], ...(force ? { Force: true } : {}) }));
}

// DescribeInstances accepts up to 200 values per filter.
const BATCH = 200;
const GONE = new Set(['shutting-down', 'terminated']);

/**
 * Which of these instance ids still exist (any state but shutting-down or terminated). A filter,
 * not InstanceIds: an unknown id then simply does not come back instead of failing the call.
 */
export async function existingInstances(ec2: EC2Client, ids: readonly string[]): Promise<Set<string>> {
  const existing = new Set<string>();
  for (let i = 0; i < ids.length; i += BATCH) {
    let token: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: ids.slice(i, i + BATCH) }], NextToken: token }),
      );
      for (const r of page.Reservations ?? []) {
        for (const inst of r.Instances ?? []) {
          if (inst.InstanceId && !GONE.has(inst.State?.Name ?? '')) existing.add(inst.InstanceId);
        }
      }
      token = page.NextToken;
    } while (token);
  }
  return existing;
}
