import { ValidationError } from './errors';

/**
 * What woke a reconciler. The event only says that something may have changed: every run observes
 * the whole cluster again, so duplicate, late and reordered events are harmless.
 */
export type FleetTrigger =
  | { kind: 'state-change'; instanceId: string; state: string }
  | { kind: 'tag-change'; resource: string; changedTags: string[] }
  | { kind: 'schedule' };

export const STATE_CHANGE = 'EC2 Instance State-change Notification';
export const TAG_CHANGE = 'Tag Change on Resource';
export const SCHEDULED = 'Scheduled Event';
export type FleetDetailType = typeof STATE_CHANGE | typeof TAG_CHANGE | typeof SCHEDULED;

interface BridgeEvent {
  'detail-type'?: unknown;
  detail?: unknown;
  resources?: unknown;
}

export function parseFleetTrigger(event: unknown): FleetTrigger {
  const e = (event ?? {}) as BridgeEvent;
  const detail = (e.detail ?? {}) as Record<string, unknown>;
  switch (e['detail-type']) {
    case STATE_CHANGE:
      if (typeof detail['instance-id'] !== 'string' || typeof detail.state !== 'string') {
        throw new ValidationError('state-change event without detail.instance-id and detail.state');
      }
      return { kind: 'state-change', instanceId: detail['instance-id'], state: detail.state };
    case TAG_CHANGE: {
      const resources = Array.isArray(e.resources) ? e.resources : [];
      return {
        kind: 'tag-change',
        resource: String(resources[0] ?? ''),
        changedTags: Array.isArray(detail['changed-tag-keys']) ? detail['changed-tag-keys'].map(String) : [],
      };
    }
    case SCHEDULED:
      return { kind: 'schedule' };
    default:
      throw new ValidationError(`not a fleet event: detail-type ${JSON.stringify(e['detail-type'])}`);
  }
}
