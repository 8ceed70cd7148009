import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import type { InstanceRec } from '../state';
import { checkFilterNames, matches, parseFilters, tagFields, type Fields } from './filters';
import { instanceXml, statusXml } from './instance-xml';
import { paginate } from './paging';
import { bool, int, str, strs, type QObject } from './query';
import { instancesById, publicIpOf, STATE_CODES } from './resources';

/** DescribeInstances and DescribeInstanceStatus: ids, filters and MaxResults/NextToken as the API reference has them. */
function instanceValues(ctx: FleetContext, i: InstanceRec): Record<string, string | undefined> {
  return {
      'instance-id': i.id,
      'instance-state-name': i.state,
      'instance-state-code': String(STATE_CODES[i.state]),
      'availability-zone': i.az,
      'subnet-id': i.subnetId,
      'vpc-id': ctx.state.subnets.find((s) => s.id === i.subnetId)?.vpcId,
      'private-ip-address': i.privateIp,
      'ip-address': publicIpOf(ctx, i),
      'client-token': i.clientToken,
      'image-id': i.imageId,
      'instance-type': i.instanceType,
    'reservation-id': i.reservationId,
  };
}

const INSTANCE_FILTERS = [
  'instance-id',
  'instance-state-name',
  'instance-state-code',
  'availability-zone',
  'subnet-id',
  'vpc-id',
  'private-ip-address',
  'ip-address',
  'client-token',
  'image-id',
  'instance-type',
  'reservation-id',
];

function fieldsOf(values: Record<string, string | undefined>, tags: Record<string, string> | undefined): Fields {
  return (n) => (Object.hasOwn(values, n) ? [values[n]] : tags ? tagFields(tags, n) : undefined);
}

function selected(ctx: FleetContext, q: QObject, known: readonly string[], tags: boolean, fields: (i: InstanceRec) => Fields): InstanceRec[] {
  const ids = strs(q, 'InstanceId');
  if (ids.length && q.MaxResults !== undefined) {
    throw new ApiError('InvalidParameterCombination', `The parameter instancesSet cannot be used with the parameter maxResults`);
  }
  const filters = parseFilters(q);
  checkFilterNames(filters, known, tags);
  const pool = ids.length ? instancesById(ctx, ids) : [...ctx.state.instances].sort((a, b) => a.launchTime - b.launchTime);
  return pool.filter((i) => matches(filters, fields(i)));
}

export function describeInstances(ctx: FleetContext, q: QObject) {
  const all = selected(ctx, q, INSTANCE_FILTERS, true, (i) => fieldsOf(instanceValues(ctx, i), i.tags));
  const { page, nextToken } = paginate(all, 'DescribeInstances', int(q, 'MaxResults'), str(q, 'NextToken'), { min: 5, max: 1000 });
  // A page holds instances; they come back grouped by the reservation that launched them.
  const reservations = new Map<string, InstanceRec[]>();
  page.forEach((i) => reservations.set(i.reservationId, [...(reservations.get(i.reservationId) ?? []), i]));
  return {
    reservationSet: [...reservations].map(([reservationId, instances]) => ({
      reservationId,
      ownerId: ctx.accountId,
      groupSet: [],
      instancesSet: instances.map((i) => instanceXml(ctx, i)),
    })),
    nextToken,
  };
}

const STATUS_FILTERS = [
  'availability-zone',
  'instance-state-name',
  'instance-state-code',
  'instance-status.status',
  'system-status.status',
  'instance-status.reachability',
  'system-status.reachability',
];

function statusFields(ctx: FleetContext, i: InstanceRec): Fields {
  const s = statusXml(ctx, i);
  return fieldsOf(
    {
      'availability-zone': i.az,
      'instance-state-name': i.state,
      'instance-state-code': String(STATE_CODES[i.state]),
      'instance-status.status': s.instanceStatus.status,
      'system-status.status': s.systemStatus.status,
      'instance-status.reachability': s.instanceStatus.details?.[0]?.status ?? '',
      'system-status.reachability': s.systemStatus.details?.[0]?.status ?? '',
    },
    undefined,
  );
}

export function describeInstanceStatus(ctx: FleetContext, q: QObject) {
  const includeAll = bool(q, 'IncludeAllInstances') ?? false;
  const all = selected(ctx, q, STATUS_FILTERS, false, (i) => statusFields(ctx, i)).filter((i) => includeAll || i.state === 'running');
  const { page, nextToken } = paginate(all, 'DescribeInstanceStatus', int(q, 'MaxResults'), str(q, 'NextToken'), { min: 5, max: 1000 });
  return { instanceStatusSet: page.map((i) => statusXml(ctx, i)), nextToken };
}
