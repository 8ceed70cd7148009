import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import { strs, tagList, type QObject, type Tags } from './query';
import { addressByAllocation, instanceById, volumesById } from './resources';

/**
 * CreateTags and DeleteTags on instances, volumes, elastic IPs, subnets and launch templates.
 * DeleteTags without Tags deletes every tag; a Tag with a Value deletes only on a match. A change
 * to an instance's or a volume's tags raises EventBridge's "Tag Change on Resource".
 */
interface Tagged {
  tags: Tags;
  type?: 'instance' | 'volume';
}

function resource(ctx: FleetContext, id: string): Tagged {
  const prefix = id.split('-')[0];
  if (prefix === 'i') return { ...instanceById(ctx, id), type: 'instance' };
  if (prefix === 'vol') return { ...volumesById(ctx, [id])[0]!, type: 'volume' };
  if (prefix === 'eipalloc') return addressByAllocation(ctx, id);
  if (prefix === 'subnet') return ctx.subnet(id);
  if (prefix === 'lt') {
    const t = ctx.state.templates.find((x) => x.id === id);
    if (!t) throw new ApiError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
    return t;
  }
  throw new ApiError('InvalidID', `The ID '${id}' is not valid`);
}

function resourceIds(q: QObject): string[] {
  const ids = strs(q, 'ResourceId');
  if (!ids.length) throw new ApiError('MissingParameter', 'The request must contain the parameter resourceIdSet');
  return ids;
}

function tagChanged(ctx: FleetContext, id: string, r: Tagged, keys: string[]): void {
  if (!r.type || !keys.length) return;
  ctx.emit('Tag Change on Resource', 'aws.tag', [ctx.arn(r.type, id)], {
    'changed-tag-keys': keys,
    service: 'ec2',
    'resource-type': r.type,
    version: ctx.now(),
    tags: { ...r.tags },
  });
}

function targets(ctx: FleetContext, ids: string[]) {
  // Each record's tags object is shared with the state, so writing it writes the resource.
  return ids.map((id) => ({ id, r: resource(ctx, id) }));
}

export function createTags(ctx: FleetContext, q: QObject) {
  const tags = tagList(q, 'Tag');
  if (!tags.length) throw new ApiError('MissingParameter', 'The request must contain the parameter tagSet');
  if (tags.some((t) => !t.key)) throw new ApiError('InvalidParameterValue', 'Tag keys must not be empty');
  const found = targets(ctx, resourceIds(q));
  for (const { id, r } of found) {
    const changed = tags.filter((t) => r.tags[t.key] !== (t.value ?? '')).map((t) => t.key);
    tags.forEach((t) => (r.tags[t.key] = t.value ?? ''));
    tagChanged(ctx, id, r, changed);
  }
  ctx.commit();
  return { return: true };
}

export function deleteTags(ctx: FleetContext, q: QObject) {
  const tags = tagList(q, 'Tag');
  const found = targets(ctx, resourceIds(q));
  for (const { id, r } of found) {
    const doomed = tags.length
      ? tags.filter((t) => Object.hasOwn(r.tags, t.key) && (t.value === undefined || r.tags[t.key] === t.value)).map((t) => t.key)
      : Object.keys(r.tags);
    doomed.forEach((k) => delete r.tags[k]);
    tagChanged(ctx, id, r, doomed);
  }
  ctx.commit();
  return { return: true };
}
