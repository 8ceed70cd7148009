import { createHash } from 'node:crypto';
import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import { ec2Id, type InstanceRec, type SubnetRec } from '../state';
import { instanceXml } from './instance-xml';
import { bool, int, obj, str, specTags, type QObject, type QValue } from './query';
import { resolveTemplate } from './templates';

/**
 * RunInstances: from a launch template (id or name, any version) and/or the request's own
 * parameters, request values winning. Idempotent per ClientToken: the same token returns the
 * first call's reservation; the same token with other parameters is IdempotentParameterMismatch.
 */
function fingerprint(q: QObject): string {
  const canonical = (v: QValue): unknown =>
    typeof v === 'string' ? v : Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k]!)]));
  const rest = Object.fromEntries(Object.entries(q).filter(([k]) => !['ClientToken', 'Action', 'Version'].includes(k)));
  return createHash('sha256').update(JSON.stringify(canonical(rest))).digest('hex');
}

function reservationXml(ctx: FleetContext, reservationId: string) {
  return {
    reservationId,
    ownerId: ctx.accountId,
    groupSet: [],
    instancesSet: ctx.state.instances.filter((i) => i.reservationId === reservationId).map((i) => instanceXml(ctx, i)),
  };
}

function pickSubnet(ctx: FleetContext, subnetId: string | undefined, az: string | undefined): SubnetRec {
  if (subnetId) {
    const s = ctx.subnet(subnetId);
    if (az && s.az !== az) throw new ApiError('InvalidParameterValue', `Value (${az}) for parameter availabilityZone is invalid. Subnet '${s.id}' is in the availability zone ${s.az}`);
    return s;
  }
  const s = az ? ctx.state.subnets.find((x) => x.az === az) : ctx.state.subnets[0];
  if (!s) throw new ApiError('InvalidParameterValue', `Value (${az ?? ''}) for parameter availabilityZone is invalid. No default subnet for availability zone: '${az ?? ''}'.`);
  return s;
}

export function runInstances(ctx: FleetContext, q: QObject) {
  const token = str(q, 'ClientToken');
  const print = fingerprint(q);
  if (token && ctx.state.tokens[token]) {
    const prior = ctx.state.tokens[token]!;
    if (prior.fingerprint !== print) throw new ApiError('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).');
    return reservationXml(ctx, prior.reservationId);
  }
  const resolved = resolveTemplate(ctx, obj(q, 'LaunchTemplate'));
  const data: QObject = resolved?.data ?? {};
  const pick = (path: string) => str(q, path) ?? str(data, path);
  const imageId = pick('ImageId');
  if (!imageId) throw new ApiError('MissingParameter', 'The request must contain the parameter ImageId');
  const min = int(q, 'MinCount');
  const max = int(q, 'MaxCount');
  if (min === undefined) throw new ApiError('MissingParameter', 'The request must contain the parameter MinCount');
  if (max === undefined) throw new ApiError('MissingParameter', 'The request must contain the parameter MaxCount');
  if (min < 1 || max < min) throw new ApiError('InvalidParameterValue', `Value (${min}) for parameter minCount is invalid. Expected a value between 1 and ${max}.`);
  const subnet = pickSubnet(ctx, pick('SubnetId') ?? pick('NetworkInterface.1.SubnetId'), pick('Placement.AvailabilityZone'));
  const wantsPublicIp = bool(q, 'NetworkInterface.1.AssociatePublicIpAddress') ?? bool(data, 'NetworkInterface.1.AssociatePublicIpAddress') ?? subnet.mapPublicIpOnLaunch;
  // Tags from the template, then the request's for the same resource type (the request wins a key).
  const instanceTags = { ...specTags(data, 'TagSpecification', 'instance'), ...specTags(q, 'TagSpecification', 'instance') };
  const volumeTags = { ...specTags(data, 'TagSpecification', 'volume'), ...specTags(q, 'TagSpecification', 'volume') };
  const reservationId = ec2Id('r');
  const now = ctx.now();
  for (let k = 0; k < max; k++) {
    const i: InstanceRec = {
      id: ec2Id('i'),
      reservationId,
      launchIndex: k,
      imageId,
      instanceType: pick('InstanceType') ?? 'm1.small',
      subnetId: subnet.id,
      az: subnet.az,
      privateIp: ctx.allocate('private'),
      publicIp: wantsPublicIp ? ctx.allocate('public') : undefined,
      wantsPublicIp,
      state: 'pending',
      next: { state: 'running', at: now + ctx.timings.pendingMs },
      launchTime: now,
      reason: '',
      clientToken: token,
      template: resolved && { id: resolved.template.id, version: resolved.version },
      userData: pick('UserData'),
      rootVolumeId: ec2Id('vol'),
      tags: { ...instanceTags },
    };
    ctx.state.instances.push(i);
    ctx.state.volumes.push({
      id: i.rootVolumeId,
      size: 8,
      az: i.az,
      volumeType: 'gp3',
      createTime: now,
      state: 'in-use',
      attachment: { instanceId: i.id, device: '/dev/xvda', state: 'attached', attachTime: now, deleteOnTermination: true },
      tags: { ...volumeTags },
    });
    ctx.emitStateChange(i, now);
  }
  if (token) ctx.state.tokens[token] = { reservationId, fingerprint: print };
  ctx.commit();
  return reservationXml(ctx, reservationId);
}
