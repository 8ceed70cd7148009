import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { z } from 'zod';
import { sweepActionOfKey, type SweepAction } from '../../core/sweep-plan';
import { ScheduledEventSchema } from './fleet-events';

// Powertools' S3 → EventBridge detail, only what the sweep reads: the bucket and the key (EventBridge
// does not URL-encode it). Its `source-ip-address` is IPv4 only there, which a dual-stack request breaks.
const S3Detail = S3EventNotificationEventBridgeSchema.shape.detail;
const ObjectEvent = EventBridgeSchema.extend({
  source: z.literal('aws.s3'),
  'detail-type': z.enum(['Object Created', 'Object Deleted']),
  detail: S3Detail.pick({ bucket: true }).extend({ object: S3Detail.shape.object.pick({ key: true }) }),
});

/** The hourly schedule sweeps; a chunk created (maybe an overwrite) or deleted is invalidated. */
export const SweepEventSchema = z
  .discriminatedUnion('detail-type', [ScheduledEventSchema, ObjectEvent])
  .transform((e): SweepAction => (e.source === 'aws.s3' ? sweepActionOfKey(e.detail.object.key) : { kind: 'schedule' }));
