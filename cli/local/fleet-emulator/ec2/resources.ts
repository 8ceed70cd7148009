import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import type { AddressRec, InstanceRec, InstanceState, VolumeRec } from '../state';
import type { Tags } from './query';

/** Lookups with AWS's NotFound errors, and the small shapes several answers share. */
export const STATE_CODES: Record<InstanceState, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

export function stateXml(state: InstanceState) {
  return { code: STATE_CODES[state], name: state };
}

export function tagSet(tags: Tags) {
  const entries = Object.entries(tags);
  return entries.length ? entries.map(([key, value]) => ({ key, value })) : undefined;
}

const ID = /^[a-z]+-[0-9a-f]{8}([0-9a-f]{9})?$/;

function checkIds(ids: readonly string[], prefix: string, malformed: string): void {
  for (const id of ids) {
    if (!id.startsWith(`${prefix}-`) || !ID.test(id)) throw new ApiError(malformed, `Invalid id: "${id}"`);
  }
}

function notFound(missing: string[], code: string, singular: string, plural: string): never {
  const list = missing.join(', ');
  throw new ApiError(code, missing.length === 1 ? `The ${singular} '${list}' does not exist` : `The ${plural} '${list}' do not exist`);
}

function byIds<T extends { id: string }>(items: readonly T[], ids: readonly string[], prefix: string, codes: [string, string], names: [string, string]): T[] {
  checkIds(ids, prefix, codes[0]);
  const found = ids.map((id) => items.find((x) => x.id === id));
  const missing = ids.filter((_, k) => !found[k]);
  if (missing.length) notFound(missing, codes[1], names[0], names[1]);
  return found as T[];
}

/** The instances with these ids, in the order asked; any unknown one fails the call, as on AWS. */
export function instancesById(ctx: FleetContext, ids: readonly string[]): InstanceRec[] {
  return byIds(ctx.state.instances, ids, 'i', ['InvalidInstanceID.Malformed', 'InvalidInstanceID.NotFound'], ['instance ID', 'instance IDs']);
}

export function instanceById(ctx: FleetContext, id: string): InstanceRec {
  return instancesById(ctx, [id])[0]!;
}

export function volumesById(ctx: FleetContext, ids: readonly string[]): VolumeRec[] {
  return byIds(ctx.state.volumes, ids, 'vol', ['InvalidVolumeID.Malformed', 'InvalidVolume.NotFound'], ['volume', 'volumes']);
}

export function addressByAllocation(ctx: FleetContext, allocationId: string): AddressRec {
  const a = ctx.state.addresses.find((x) => x.allocationId === allocationId);
  if (!a) throw new ApiError('InvalidAllocationID.NotFound', `The allocation ID '${allocationId}' does not exist`);
  return a;
}

/** The elastic IP an instance holds, if any. */
export function elasticOf(ctx: FleetContext, instanceId: string): AddressRec | undefined {
  return ctx.state.addresses.find((a) => a.instanceId === instanceId);
}

/** The public address an instance shows: its elastic IP, else its auto-assigned one. */
export function publicIpOf(ctx: FleetContext, i: InstanceRec): string | undefined {
  return elasticOf(ctx, i.id)?.publicIp ?? i.publicIp;
}

export function requireState(ok: boolean, code: string, message: string): void {
  if (!ok) throw new ApiError(code, message);
}
