import { parser } from '@aws-lambda-powertools/parser/middleware';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import type { ParsedResult } from '@aws-lambda-powertools/parser/types';
import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { SCHEDULED, STATE_CHANGE, TAG_CHANGE, type FleetDetailType, type FleetTrigger } from '../../core/fleet-events';
import type { FleetLog } from './fleet';
import { parsedOrThrow } from './lambda';

/** An EventBridge rule's schedule (`schedule: rate(…)` in serverless/functions/*.yml). */
export const ScheduledEventSchema = EventBridgeSchema.extend({ source: z.literal('aws.events'), 'detail-type': z.literal(SCHEDULED) });

const StateChange = EventBridgeSchema.extend({
  source: z.literal('aws.ec2'),
  'detail-type': z.literal(STATE_CHANGE),
  detail: z.object({ 'instance-id': z.string().min(1), state: z.string().min(1) }),
});
const TagChange = EventBridgeSchema.extend({
  source: z.literal('aws.tag'),
  'detail-type': z.literal(TAG_CHANGE),
  detail: z.object({ 'changed-tag-keys': z.array(z.string()).default([]) }),
});

/** The three events that wake a fleet reconciler, parsed into what woke it. */
export const FleetEventSchema = z.discriminatedUnion('detail-type', [StateChange, TagChange, ScheduledEventSchema]).transform((e): FleetTrigger => {
  switch (e['detail-type']) {
    case STATE_CHANGE:
      return { kind: 'state-change', instanceId: e.detail['instance-id'], state: e.detail.state };
    case TAG_CHANGE:
      return { kind: 'tag-change', resource: e.resources[0] ?? '', changedTags: e.detail['changed-tag-keys'] };
    default:
      return { kind: 'schedule' };
  }
});

export type FleetEvent = EventBridgeEvent<FleetDetailType, unknown>;
export type ParsedFleetEvent = ParsedResult<unknown, FleetTrigger>;

/** The parser middleware of the fleet functions: the handler gets the trigger, or the failure to log. */
export const fleetEventParser = () => parser({ schema: FleetEventSchema, safeParse: true });

/** What woke the run, or a logged `malformed_fleet_event` and a throw (→ the fleet-failures queue). */
export function triggerOf(parsed: ParsedFleetEvent, logger: FleetLog): FleetTrigger {
  return parsedOrThrow(parsed, logger, 'malformed_fleet_event', 'not a fleet event');
}
