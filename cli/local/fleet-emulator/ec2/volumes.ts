import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import { ec2Id, type VolumeRec } from '../state';
import { checkFilterNames, matches, parseFilters, tagFields } from './filters';
import { paginate } from './paging';
import { int, required, str, strs, specTags, type QObject } from './query';
import { instanceById, tagSet, volumesById } from './resources';

/**
 * EBS volumes: one instance at a time, in the volume's AZ only; attaching → attached and
 * detaching → available take a moment; a data volume outlives its instance (lifecycle.ts).
 */
const FILTERS = ['volume-id', 'status', 'availability-zone', 'size', 'volume-type', 'attachment.instance-id', 'attachment.status', 'attachment.device', 'attachment.delete-on-termination'];

function attachmentXml(v: VolumeRec) {
  const a = v.attachment!;
  return { volumeId: v.id, instanceId: a.instanceId, device: a.device, status: a.state, attachTime: new Date(a.attachTime), deleteOnTermination: a.deleteOnTermination };
}

function volumeXml(v: VolumeRec) {
  return {
    volumeId: v.id,
    size: v.size,
    snapshotId: '',
    availabilityZone: v.az,
    status: v.state,
    createTime: new Date(v.createTime),
    attachmentSet: v.attachment ? [attachmentXml(v)] : [],
    tagSet: tagSet(v.tags),
    volumeType: v.volumeType,
    encrypted: false,
    multiAttachEnabled: false,
  };
}

export function createVolume(ctx: FleetContext, q: QObject) {
  const az = required(q, 'AvailabilityZone');
  if (!ctx.state.subnets.some((s) => s.az === az)) throw new ApiError('InvalidZone.NotFound', `The zone '${az}' does not exist.`);
  const size = int(q, 'Size');
  if (size === undefined) throw new ApiError('MissingParameter', 'The request must contain the parameter size or snapshotId');
  const now = ctx.now();
  const v: VolumeRec = {
    id: ec2Id('vol'),
    size,
    az,
    volumeType: str(q, 'VolumeType') ?? 'gp2',
    createTime: now,
    state: 'creating',
    next: { state: 'available', at: now + ctx.timings.volumeCreateMs },
    tags: specTags(q, 'TagSpecification', 'volume'),
  };
  ctx.state.volumes.push(v);
  ctx.commit();
  return volumeXml(v);
}

export function attachVolume(ctx: FleetContext, q: QObject) {
  const [v] = volumesById(ctx, [required(q, 'VolumeId')]);
  const i = instanceById(ctx, required(q, 'InstanceId'));
  const device = required(q, 'Device');
  if (v!.attachment) throw new ApiError('VolumeInUse', `${v!.id} is already attached to an instance`);
  if (v!.state !== 'available') throw new ApiError('IncorrectState', `${v!.id} is not 'available'.`);
  if (v!.az !== i.az) throw new ApiError('InvalidVolume.ZoneMismatch', `The volume '${v!.id}' is not in the same availability zone as instance '${i.id}'`);
  if (i.state !== 'running' && i.state !== 'stopped') throw new ApiError('IncorrectState', `Instance '${i.id}' is not 'running'.`);
  if (ctx.state.volumes.some((x) => x.attachment?.instanceId === i.id && x.attachment.device === device)) {
    throw new ApiError('InvalidParameterValue', `Invalid value '${device}' for unixDevice. Attachment point ${device} is already in use`);
  }
  const now = ctx.now();
  v!.state = 'in-use';
  v!.attachment = { instanceId: i.id, device, state: 'attaching', attachTime: now, deleteOnTermination: false, next: { state: 'attached', at: now + ctx.timings.attachMs } };
  ctx.commit();
  return attachmentXml(v!);
}

/** As on AWS, a running instance's data volume may be detached (the OS had better have unmounted it); its root volume may not. */
export function detachVolume(ctx: FleetContext, q: QObject) {
  const [v] = volumesById(ctx, [required(q, 'VolumeId')]);
  const a = v!.attachment;
  if (!a) throw new ApiError('IncorrectState', `Volume '${v!.id}' is in the '${v!.state}' state.`);
  const instanceId = str(q, 'InstanceId');
  if (instanceId && instanceId !== a.instanceId) throw new ApiError('InvalidAttachment.NotFound', `Volume '${v!.id}' can not be detached from instance '${instanceId}'`);
  const holder = ctx.state.instances.find((i) => i.id === a.instanceId);
  if (holder?.rootVolumeId === v!.id && holder.state !== 'stopped') {
    throw new ApiError('OperationNotPermitted', `Unable to detach root volume '${v!.id}' from instance '${a.instanceId}'`);
  }
  if (a.state !== 'detaching') {
    a.state = 'detaching';
    a.next = { state: 'detached', at: ctx.now() + ctx.timings.detachMs };
    ctx.commit();
  }
  return attachmentXml(v!);
}

export function describeVolumes(ctx: FleetContext, q: QObject) {
  const ids = strs(q, 'VolumeId');
  if (ids.length && q.MaxResults !== undefined) throw new ApiError('InvalidParameterCombination', 'The parameter volumeSet cannot be used with the parameter maxResults');
  const filters = parseFilters(q);
  checkFilterNames(filters, FILTERS);
  const pool = ids.length ? volumesById(ctx, ids) : ctx.state.volumes;
  const found = pool.filter((v) => {
    const values: Record<string, string | undefined> = {
      'volume-id': v.id,
      status: v.state,
      'availability-zone': v.az,
      size: String(v.size),
      'volume-type': v.volumeType,
      'attachment.instance-id': v.attachment?.instanceId,
      'attachment.status': v.attachment?.state,
      'attachment.device': v.attachment?.device,
      'attachment.delete-on-termination': v.attachment && String(v.attachment.deleteOnTermination),
    };
    return matches(filters, (n) => (Object.hasOwn(values, n) ? [values[n]] : tagFields(v.tags, n)));
  });
  const { page, nextToken } = paginate(found, 'DescribeVolumes', int(q, 'MaxResults'), str(q, 'NextToken'), { min: 5, max: 500 });
  return { volumeSet: page.map(volumeXml), nextToken };
}
