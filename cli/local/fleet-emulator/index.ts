import type { Server } from 'node:http';
import { join } from 'node:path';
import { DEFAULT_POOLS, DEFAULT_TIMINGS, FleetContext, type AddressPools, type FleetEvents, type FleetTimings } from './context';
import { ec2Route } from './ec2/server';
import { advance, nextDue } from './ec2/lifecycle';
import { seedSubnets, type SubnetSeed } from './ec2/subnets';
import { close, listen } from './http';
import { route53Route } from './route53/server';
import { loadState, type FleetState } from './state';

export type { FleetEvent, FleetEvents, FleetTimings, AddressPools } from './context';
export type { SubnetSeed } from './ec2/subnets';

/**
 * A local EC2 and Route 53 on loopback, speaking their real wire protocols, so the project's SDK
 * clients, functions and CLI run against it unchanged (AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_ROUTE_53).
 * State lives in `dir/state.json`; a restart keeps the fleet and its clocks resume from timestamps.
 */
export interface FleetEmulatorOptions {
  /** Where state.json lives (e.g. `.shelfstack/fleet`). */
  dir: string;
  host?: string;
  ec2Port?: number;
  route53Port?: number;
  region?: string;
  accountId?: string;
  timings?: Partial<FleetTimings>;
  pools?: Partial<AddressPools>;
  /** The subnets of a fresh state (default: one per AZ `<region>a`, `<region>b`, public addresses on). */
  subnets?: SubnetSeed[];
  /** One JSON-able object per request, for the rehearsal's log. */
  log?: (line: Record<string, unknown>) => void;
  now?: () => number;
}

export interface FleetEmulator {
  ec2Endpoint: string;
  route53Endpoint: string;
  /** "EC2 Instance State-change Notification" and "Tag Change on Resource" events, EventBridge's shape. */
  events: FleetEvents;
  /** A copy of the whole state, for the rehearsal (user data, addresses) and the tests. */
  snapshot(): FleetState;
  /** Makes a running instance fail (or pass again) its instance status check, as a hung host would. */
  setImpaired(instanceId: string, impaired: boolean): void;
  close(): Promise<void>;
}

export async function startFleetEmulator(opts: FleetEmulatorOptions): Promise<FleetEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  let timer: NodeJS.Timeout | undefined;
  // The clock starts once the caller holds the emulator (and can listen), and stops at close.
  let running = false;
  const ctx: FleetContext = new FleetContext({
    dir: opts.dir,
    state: loadState(opts.dir),
    timings: { ...DEFAULT_TIMINGS, ...opts.timings },
    pools: { ...DEFAULT_POOLS, ...opts.pools },
    region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
    accountId: opts.accountId ?? '123456789012',
    now: opts.now ?? Date.now,
    onChange: () => arm(),
    log,
  });

  // Runs every transition that is due, then sleeps until the next one.
  function tick(): void {
    if (advance(ctx)) ctx.commit();
    else arm();
  }
  function arm(): void {
    if (!running) return;
    clearTimeout(timer);
    const nextAt = nextDue(ctx);
    if (nextAt === undefined) return;
    timer = setTimeout(() => {
      try {
        tick();
      } catch (e: unknown) {
        log({ event: 'fleet_emulator_failed', reason: e instanceof Error ? e.stack : String(e) });
      }
    }, Math.max(0, nextAt - ctx.now()));
    timer.unref();
  }

  seedSubnets(ctx, opts.subnets);
  ctx.commit();
  const servers: Server[] = [];
  try {
    const onError = (e: unknown) => log({ event: 'fleet_emulator_failed', reason: e instanceof Error ? e.stack : String(e) });
    const ec2 = await listen(host, opts.ec2Port ?? 0, ec2Route(ctx, log), tick, onError);
    servers.push(ec2.server);
    const r53 = await listen(host, opts.route53Port ?? 0, route53Route(ctx, log), tick, onError);
    servers.push(r53.server);
    // Transitions that fell due while the emulator was down happen on the first tick, in order and
    // with their events: a timer, so after the caller's `await` has resumed and subscribed.
    running = true;
    arm();
    return {
      ec2Endpoint: ec2.url,
      route53Endpoint: r53.url,
      events: ctx.events,
      snapshot: () => structuredClone(ctx.state),
      setImpaired(instanceId, impaired) {
        const i = ctx.state.instances.find((x) => x.id === instanceId);
        if (!i) throw new Error(`no instance ${instanceId}`);
        i.impairedSince = impaired ? (i.impairedSince ?? ctx.now()) : undefined;
        ctx.commit();
      },
      async close() {
        running = false;
        clearTimeout(timer);
        await Promise.all(servers.map(close));
      },
    };
  } catch (e: unknown) {
    await Promise.all(servers.map(close));
    throw e;
  }
}

export const STATE_DIR = join('.shelfstack', 'fleet');
