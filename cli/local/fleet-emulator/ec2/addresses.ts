import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import { ec2Id, type AddressRec } from '../state';
import { checkFilterNames, matches, parseFilters, tagFields } from './filters';
import { bool, str, strs, specTags, type QObject } from './query';
import { addressByAllocation, elasticOf, instanceById, tagSet } from './resources';

/**
 * Elastic IPs. Associating one takes the place of the instance's auto-assigned public address
 * (released for good); disassociating gives the instance a fresh auto-assigned one; terminating
 * the holder disassociates it (lifecycle.ts).
 */
const FILTERS = ['allocation-id', 'association-id', 'domain', 'instance-id', 'public-ip', 'private-ip-address'];

function addressXml(ctx: FleetContext, a: AddressRec) {
  const holder = a.instanceId ? ctx.state.instances.find((i) => i.id === a.instanceId) : undefined;
  return {
    publicIp: a.publicIp,
    allocationId: a.allocationId,
    domain: 'vpc',
    instanceId: a.instanceId,
    associationId: a.associationId,
    privateIpAddress: holder?.privateIp,
    tagSet: tagSet(a.tags),
    publicIpv4Pool: 'amazon',
    networkBorderGroup: ctx.region,
  };
}

export function allocateAddress(ctx: FleetContext, q: QObject) {
  const domain = str(q, 'Domain') ?? 'vpc';
  if (domain !== 'vpc') throw new ApiError('InvalidParameterValue', `Value (${domain}) for parameter domain is invalid.`);
  const a: AddressRec = { allocationId: ec2Id('eipalloc'), publicIp: ctx.allocate('elastic'), tags: specTags(q, 'TagSpecification', 'elastic-ip') };
  ctx.state.addresses.push(a);
  ctx.commit();
  return { publicIp: a.publicIp, domain: 'vpc', allocationId: a.allocationId, publicIpv4Pool: 'amazon', networkBorderGroup: ctx.region };
}

function release(ctx: FleetContext, a: AddressRec): void {
  const holder = a.instanceId ? ctx.state.instances.find((i) => i.id === a.instanceId) : undefined;
  a.instanceId = undefined;
  a.associationId = undefined;
  if (holder && holder.wantsPublicIp && (holder.state === 'running' || holder.state === 'pending')) holder.publicIp = ctx.allocate('public');
}

export function associateAddress(ctx: FleetContext, q: QObject) {
  const allocationId = str(q, 'AllocationId');
  const publicIp = str(q, 'PublicIp');
  const a = allocationId
    ? addressByAllocation(ctx, allocationId)
    : ctx.state.addresses.find((x) => x.publicIp === publicIp) ?? fail('InvalidAddress.NotFound', `Address '${publicIp ?? ''}' not found.`);
  const instanceId = str(q, 'InstanceId');
  if (!instanceId) throw new ApiError('MissingParameter', 'Either instance ID or network interface id must be specified');
  const i = instanceById(ctx, instanceId);
  if (i.state !== 'running' && i.state !== 'stopped') throw new ApiError('InvalidInstanceID', `The ${i.state} instance '${i.id}' is not in a valid state for this operation.`);
  // As the API reference has it: reassociation is automatic; an explicit false makes the call fail
  // when the address is held by another instance. An instance's previous elastic IP just leaves it.
  const allow = bool(q, 'AllowReassociation') ?? true;
  if (a.instanceId === i.id) return { return: true, associationId: a.associationId };
  if (!allow && a.instanceId) throw new ApiError('Resource.AlreadyAssociated', `resource ${a.allocationId} is already associated with associate-id ${a.associationId}`);
  if (a.instanceId) release(ctx, a);
  const previous = elasticOf(ctx, i.id);
  if (previous) previous.instanceId = previous.associationId = undefined;
  a.instanceId = i.id;
  a.associationId = ec2Id('eipassoc');
  i.publicIp = undefined;
  ctx.commit();
  return { return: true, associationId: a.associationId };
}

function fail(code: string, message: string): never {
  throw new ApiError(code, message);
}

export function disassociateAddress(ctx: FleetContext, q: QObject) {
  const associationId = str(q, 'AssociationId');
  const publicIp = str(q, 'PublicIp');
  const a = associationId
    ? ctx.state.addresses.find((x) => x.associationId === associationId) ?? fail('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`)
    : ctx.state.addresses.find((x) => x.publicIp === publicIp) ?? fail('InvalidAddress.NotFound', `Address '${publicIp ?? ''}' not found.`);
  if (a.instanceId) release(ctx, a);
  ctx.commit();
  return { return: true };
}

export function describeAddresses(ctx: FleetContext, q: QObject) {
  const ids = strs(q, 'AllocationId');
  const ips = strs(q, 'PublicIp');
  const missing = ids.filter((id) => !ctx.state.addresses.some((a) => a.allocationId === id));
  if (missing.length) throw new ApiError('InvalidAllocationID.NotFound', `The allocation IDs '${missing.join(', ')}' do not exist`);
  const unknownIp = ips.find((ip) => !ctx.state.addresses.some((a) => a.publicIp === ip));
  if (unknownIp) throw new ApiError('InvalidAddress.NotFound', `Address '${unknownIp}' not found.`);
  const filters = parseFilters(q);
  checkFilterNames(filters, FILTERS);
  const found = ctx.state.addresses.filter((a) => {
    if (ids.length && !ids.includes(a.allocationId)) return false;
    if (ips.length && !ips.includes(a.publicIp)) return false;
    const values: Record<string, string | undefined> = {
      'allocation-id': a.allocationId,
      'association-id': a.associationId,
      domain: 'vpc',
      'instance-id': a.instanceId,
      'public-ip': a.publicIp,
      'private-ip-address': addressXml(ctx, a).privateIpAddress,
    };
    return matches(filters, (n) => (Object.hasOwn(values, n) ? [values[n]] : tagFields(a.tags, n)));
  });
  return { addressesSet: found.map((a) => addressXml(ctx, a)) };
}
