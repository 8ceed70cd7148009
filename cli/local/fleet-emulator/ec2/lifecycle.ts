import type { FleetContext } from '../context';
import type { InstanceRec, InstanceState } from '../state';
import { elasticOf } from './resources';

/**
 * The clock: moves every resource whose passing state has run out to its next one, in time order,
 * raising the events AWS raises. Returns whether anything changed; nextDue says when to look again.
 */
export function advance(ctx: FleetContext): boolean {
  const now = ctx.now();
  let changed = false;
  for (;;) {
    const due = dueTransitions(ctx, now);
    if (!due.length) break;
    due.sort((a, b) => a.at - b.at)[0]!.apply();
    changed = true;
  }
  const before = ctx.state.instances.length;
  ctx.state.instances = ctx.state.instances.filter((i) => !(i.state === 'terminated' && i.next === undefined && now - stoppedAt(i) > ctx.timings.terminatedRetentionMs));
  changed ||= before !== ctx.state.instances.length;
  return changed;
}

function stoppedAt(i: InstanceRec): number {
  return i.terminatedAt ?? 0;
}

const userInitiated = (at: number) => `User initiated (${new Date(at).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' GMT')})`;

interface Due {
  at: number;
  apply: () => void;
}

function dueTransitions(ctx: FleetContext, now: number): Due[] {
  const out: Due[] = [];
  for (const i of ctx.state.instances) {
    if (i.next && i.next.at <= now) out.push({ at: i.next.at, apply: () => enterInstanceState(ctx, i, i.next!.state, i.next!.at) });
  }
  for (const v of ctx.state.volumes) {
    if (v.next && v.next.at <= now) {
      const next = v.next;
      out.push({ at: next.at, apply: () => ((v.state = next.state), (v.next = undefined)) });
    }
    const a = v.attachment;
    if (a?.next && a.next.at <= now) {
      const next = a.next;
      out.push({
        at: next.at,
        apply: () => {
          if (next.state === 'detached') {
            v.attachment = undefined;
            v.state = 'available';
          } else {
            a.state = next.state;
            a.next = undefined;
          }
        },
      });
    }
  }
  return out;
}

export function nextDue(ctx: FleetContext): number | undefined {
  const times: number[] = [];
  ctx.state.instances.forEach((i) => {
    if (i.next) times.push(i.next.at);
    else if (i.state === 'terminated') times.push(stoppedAt(i) + ctx.timings.terminatedRetentionMs + 1);
  });
  ctx.state.volumes.forEach((v) => [v.next?.at, v.attachment?.next?.at].forEach((t) => t !== undefined && times.push(t)));
  return times.length ? Math.min(...times) : undefined;
}

/** What entering a state does to the instance and what it holds. */
export function enterInstanceState(ctx: FleetContext, i: InstanceRec, state: InstanceState, at: number): void {
  i.state = state;
  i.next = undefined;
  if (state === 'running') i.checksOkAt = at + ctx.timings.checksMs;
  // EC2's StateTransitionReason names when the user asked, e.g. "User initiated (2026-11-24 12:00:00 GMT)".
  if (state === 'stopping' || state === 'shutting-down') i.reason = userInitiated(at);
  if (state === 'stopped') i.publicIp = undefined;
  if (state === 'terminated') {
    i.publicIp = undefined;
    i.terminatedAt = at;
    const eip = elasticOf(ctx, i.id);
    if (eip) {
      eip.instanceId = undefined;
      eip.associationId = undefined;
    }
    for (const v of ctx.state.volumes.filter((x) => x.attachment?.instanceId === i.id)) {
      if (v.attachment!.deleteOnTermination) v.state = 'deleted';
      else {
        v.attachment = undefined;
        v.state = 'available';
      }
    }
    ctx.state.volumes = ctx.state.volumes.filter((v) => v.state !== 'deleted');
  }
  if (state === 'stopping') i.next = { state: 'stopped', at: at + ctx.timings.stoppingMs };
  if (state === 'shutting-down') i.next = { state: 'terminated', at: at + ctx.timings.shuttingDownMs };
  if (state === 'pending') i.next = { state: 'running', at: at + ctx.timings.pendingMs };
  ctx.emitStateChange(i, at);
}
