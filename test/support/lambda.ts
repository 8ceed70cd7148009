import type { Context, EventBridgeEvent, Handler } from 'aws-lambda';
import type { FleetDetailType } from '../../core/fleet-events';
import { sampleEvent } from './aws-shapes';

// The handlers never read the context; a bare object stands in for Lambda's.
const context = { functionName: 'test', awsRequestId: 'req-1' } as Context;

/** Invokes a handler the way Lambda does, with a sample from events/. */
export async function invoke<E, R>(handler: Handler<E, R>, event: E | string): Promise<R | void> {
  const input = typeof event === 'string' ? sampleEvent<E>(event) : event;
  return handler(input, context, () => undefined);
}

export type FleetEvent = EventBridgeEvent<FleetDetailType, unknown>;
