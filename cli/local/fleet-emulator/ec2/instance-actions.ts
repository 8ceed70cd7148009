import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import type { InstanceRec, InstanceState } from '../state';
import { enterInstanceState } from './lifecycle';
import { bool, strs, type QObject } from './query';
import { elasticOf, instancesById, stateXml } from './resources';

/** StopInstances, StartInstances, TerminateInstances: each answers every instance's previous and current state. */
type Step = (ctx: FleetContext, i: InstanceRec, now: number, q: QObject) => void;

function change(ctx: FleetContext, q: QObject, step: Step) {
  const ids = strs(q, 'InstanceId');
  if (!ids.length) throw new ApiError('MissingParameter', 'The request must contain the parameter InstanceId');
  const instances = instancesById(ctx, ids);
  const now = ctx.now();
  const previous = new Map<string, InstanceState>(instances.map((i) => [i.id, i.state]));
  instances.forEach((i) => step(ctx, i, now, q));
  ctx.commit();
  return {
    instancesSet: instances.map((i) => ({ instanceId: i.id, currentState: stateXml(i.state), previousState: stateXml(previous.get(i.id)!) })),
  };
}

const terminate: Step = (ctx, i, now) => {
  if (i.state === 'shutting-down' || i.state === 'terminated') return;
  enterInstanceState(ctx, i, 'shutting-down', now);
};

const stop: Step = (ctx, i, now, q) => {
  // Force powers off an instance stuck in stopping at once, as a pulled plug would.
  if (i.state === 'stopping' && bool(q, 'Force')) return enterInstanceState(ctx, i, 'stopped', now);
  if (i.state === 'stopping' || i.state === 'stopped') return;
  if (i.state === 'pending') throw new ApiError('IncorrectInstanceState', `Instance '${i.id}' cannot be stopped as it has never reached the 'running' state.`);
  if (i.state !== 'running') throw new ApiError('IncorrectInstanceState', `This instance '${i.id}' is not in a state from which it can be stopped.`);
  enterInstanceState(ctx, i, 'stopping', now);
};

const start: Step = (ctx, i, now) => {
  if (i.state === 'pending' || i.state === 'running') return;
  if (i.state !== 'stopped') throw new ApiError('IncorrectInstanceState', `The instance '${i.id}' is not in a state from which it can be started.`);
  // A started instance gets a new auto-assigned public address, unless an elastic IP is its public one.
  if (i.wantsPublicIp && !elasticOf(ctx, i.id)) i.publicIp = ctx.allocate('public');
  i.checksOkAt = undefined;
  i.impairedSince = undefined;
  i.reason = '';
  enterInstanceState(ctx, i, 'pending', now);
};

export const terminateInstances = (ctx: FleetContext, q: QObject) => change(ctx, q, terminate);
export const stopInstances = (ctx: FleetContext, q: QObject) => change(ctx, q, stop);
export const startInstances = (ctx: FleetContext, q: QObject) => change(ctx, q, start);
