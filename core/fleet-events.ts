/**
 * What woke a reconciler. The event only says that something may have changed: every run observes
 * the whole cluster again, so duplicate, late and reordered events are harmless. The events are
 * parsed in functions/commons/fleet-events.ts (Powertools' EventBridge schema).
 */
export type FleetTrigger =
  | { kind: 'state-change'; instanceId: string; state: string }
  | { kind: 'tag-change'; resource: string; changedTags: string[] }
  | { kind: 'schedule' };

export const STATE_CHANGE = 'EC2 Instance State-change Notification';
export const TAG_CHANGE = 'Tag Change on Resource';
export const SCHEDULED = 'Scheduled Event';
export type FleetDetailType = typeof STATE_CHANGE | typeof TAG_CHANGE | typeof SCHEDULED;
