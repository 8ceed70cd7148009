import type { FleetContext } from '../context';
import type { InstanceRec } from '../state';
import { publicIpOf, stateXml, tagSet } from './resources';

/** An instance as DescribeInstances and RunInstances answer it (the members shelfstack reads and their neighbours). */
const STOP_REASON = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };

function dnsName(ip: string | undefined, suffix: string): string {
  return ip ? `ip-${ip.replace(/\./g, '-')}.${suffix}` : '';
}

export function instanceXml(ctx: FleetContext, i: InstanceRec) {
  const publicIp = publicIpOf(ctx, i);
  const stoppedOrGone = ['stopping', 'stopped', 'shutting-down', 'terminated'].includes(i.state);
  const volumes = i.state === 'terminated' ? [] : ctx.state.volumes.filter((v) => v.attachment?.instanceId === i.id).sort((a, b) => a.attachment!.attachTime - b.attachment!.attachTime);
  return {
    instanceId: i.id,
    imageId: i.imageId,
    instanceState: stateXml(i.state),
    privateDnsName: i.state === 'terminated' ? '' : dnsName(i.privateIp, `${ctx.region}.compute.internal`),
    dnsName: dnsName(publicIp, `compute-1.amazonaws.com`),
    reason: i.reason,
    amiLaunchIndex: i.launchIndex,
    productCodes: [],
    instanceType: i.instanceType,
    launchTime: new Date(i.launchTime),
    placement: { availabilityZone: i.az, groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: i.state === 'terminated' ? undefined : i.subnetId,
    vpcId: i.state === 'terminated' ? undefined : ctx.state.subnets.find((s) => s.id === i.subnetId)?.vpcId,
    privateIpAddress: i.state === 'terminated' ? undefined : i.privateIp,
    ipAddress: publicIp,
    sourceDestCheck: true,
    groupSet: [],
    stateReason: stoppedOrGone ? STOP_REASON : undefined,
    architecture: 'arm64',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    blockDeviceMapping: volumes.map((v) => ({
      deviceName: v.attachment!.device,
      ebs: { volumeId: v.id, status: v.attachment!.state, attachTime: new Date(v.attachment!.attachTime), deleteOnTermination: v.attachment!.deleteOnTermination },
    })),
    virtualizationType: 'hvm',
    clientToken: i.clientToken ?? '',
    tagSet: tagSet(i.tags),
    hypervisor: 'xen',
    ebsOptimized: false,
    enaSupport: true,
  };
}

/** DescribeInstanceStatus' view: checks initializing until `checksOkAt`, then ok (or impaired when told). */
export function statusXml(ctx: FleetContext, i: InstanceRec) {
  const now = ctx.now();
  const summary = (impairable: boolean) => {
    if (i.state !== 'running') return { status: 'not-applicable' };
    if (impairable && i.impairedSince !== undefined) {
      return { status: 'impaired', details: [{ name: 'reachability', status: 'failed', impairedSince: new Date(i.impairedSince) }] };
    }
    const ready = i.checksOkAt !== undefined && now >= i.checksOkAt;
    return { status: ready ? 'ok' : 'initializing', details: [{ name: 'reachability', status: ready ? 'passed' : 'initializing' }] };
  };
  return {
    instanceId: i.id,
    availabilityZone: i.az,
    instanceState: stateXml(i.state),
    instanceStatus: summary(true),
    systemStatus: summary(false),
    attachedEbsStatus: undefined,
  };
}
