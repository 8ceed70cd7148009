import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { EventBridgeEvent } from 'aws-lambda';
import { ApiError } from './errors';
import { saveState, type FleetState, type InstanceRec, type SubnetRec } from './state';

/** How long each passing state lasts. The defaults are AWS-like seconds; tests and the rehearsal compress them. */
export interface FleetTimings {
  pendingMs: number;
  /** From running until both status checks are ok. */
  checksMs: number;
  stoppingMs: number;
  shuttingDownMs: number;
  volumeCreateMs: number;
  attachMs: number;
  detachMs: number;
  /** A Route 53 change goes INSYNC this long after it was submitted. */
  recordSyncMs: number;
  /** How long a terminated instance stays visible to DescribeInstances. */
  terminatedRetentionMs: number;
}

export const DEFAULT_TIMINGS: FleetTimings = {
  pendingMs: 3000,
  checksMs: 4000,
  stoppingMs: 2000,
  shuttingDownMs: 2000,
  volumeCreateMs: 500,
  attachMs: 500,
  detachMs: 500,
  recordSyncMs: 1000,
  terminatedRetentionMs: 3_600_000,
};

/** The loopback /24s addresses come from: the rehearsal binds servers on them. */
export interface AddressPools {
  private: string;
  public: string;
  elastic: string;
}

export const DEFAULT_POOLS: AddressPools = { private: '127.0.2', public: '127.0.3', elastic: '127.0.1' };

export type FleetEvent = EventBridgeEvent<string, Record<string, unknown>>;

/** Typed: `events.on('event', e => …)` gets every EventBridge event the fleet raises. */
export interface FleetEvents extends EventEmitter {
  on(name: 'event', listener: (event: FleetEvent) => void): this;
  off(name: 'event', listener: (event: FleetEvent) => void): this;
  once(name: 'event', listener: (event: FleetEvent) => void): this;
  emit(name: 'event', event: FleetEvent): boolean;
}

export interface ContextOptions {
  dir: string;
  state: FleetState;
  timings: FleetTimings;
  pools: AddressPools;
  region: string;
  accountId: string;
  now: () => number;
  onChange: () => void;
  log: (line: Record<string, unknown>) => void;
}

/** What every handler works on: the state, the clock, the pools and the event stream. */
export class FleetContext {
  readonly events: FleetEvents = new EventEmitter();
  readonly state: FleetState;
  readonly timings: FleetTimings;
  readonly pools: AddressPools;
  readonly region: string;
  readonly accountId: string;
  readonly now: () => number;
  private readonly opts: ContextOptions;

  constructor(opts: ContextOptions) {
    this.opts = opts;
    this.state = opts.state;
    this.timings = opts.timings;
    this.pools = opts.pools;
    this.region = opts.region;
    this.accountId = opts.accountId;
    this.now = opts.now;
  }

  /** Persists the state and re-arms the clock; called after every change. */
  commit(): void {
    saveState(this.opts.dir, this.state);
    this.opts.onChange();
  }

  arn(type: string, id: string): string {
    return `arn:aws:ec2:${this.region}:${this.accountId}:${type}/${id}`;
  }

  /**
   * Raises an event as EventBridge delivers one: after the call that caused it has answered, in
   * order. A listener that throws is logged, never allowed to break the emulator's clock.
   */
  emit(detailType: string, source: string, resources: string[], detail: Record<string, unknown>, at = this.now()): void {
    const event: FleetEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: this.accountId,
      // EventBridge's time has no fractional seconds.
      time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources,
      detail,
    };
    setImmediate(() => {
      try {
        this.events.emit('event', event);
      } catch (e: unknown) {
        this.opts.log({ event: 'fleet_event_listener_failed', detailType, reason: e instanceof Error ? e.message : String(e) });
      }
    });
  }

  emitStateChange(i: InstanceRec, at = this.now()): void {
    this.emit('EC2 Instance State-change Notification', 'aws.ec2', [this.arn('instance', i.id)], { 'instance-id': i.id, state: i.state }, at);
  }

  /** The next free host of a pool, handed out in rotation so that a just-freed address rests a while. */
  allocate(pool: keyof AddressPools): string {
    const inUse = new Set<string>();
    for (const i of this.state.instances) {
      if (i.state === 'terminated') continue;
      inUse.add(i.privateIp);
      if (i.publicIp) inUse.add(i.publicIp);
    }
    this.state.addresses.forEach((a) => inUse.add(a.publicIp));
    const last = this.state.counters[pool] ?? 0;
    for (let k = 1; k <= 254; k++) {
      const host = ((last + k - 1) % 254) + 1;
      const ip = `${this.pools[pool]}.${host}`;
      if (!inUse.has(ip)) {
        this.state.counters[pool] = host;
        return ip;
      }
    }
    throw new ApiError(pool === 'elastic' ? 'AddressLimitExceeded' : 'InsufficientFreeAddressesInSubnet', `No free address left in ${this.pools[pool]}.0/24`);
  }

  subnet(id: string): SubnetRec {
    const s = this.state.subnets.find((x) => x.id === id);
    if (!s) throw new ApiError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
    return s;
  }
}
