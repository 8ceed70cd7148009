import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { FleetEvent, FleetEvents } from './fleet-emulator';

/**
 * The fleet functions' triggers on loopback, read from serverless/functions/<name>.yml so the
 * rehearsal wires exactly what the stack deploys: each `eventBridge` pattern receives the
 * emulator's events, each `schedule` fires on a compressed clock, and every function runs one
 * invocation at a time, as `reservedConcurrency: 1` makes it on AWS.
 */
export type FleetHandler = (event: FleetEvent) => Promise<unknown>;

export interface Trigger {
  fn: string;
  patterns: Record<string, unknown>[];
  schedules: { everyMs: number; rate: string; input?: unknown }[];
}

export interface Invocation {
  fn: string;
  trigger: string;
  ms: number;
  error?: Error;
}

const FUNCTIONS_DIR = path.join(__dirname, '..', '..', 'serverless', 'functions');

/** `rate(5 minutes)` → ms on the rehearsal's clock: `compress` real seconds per rehearsal second. */
export function rateMs(rate: string, compress: number): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(rate);
  if (!m) throw new Error(`unsupported schedule ${rate}`);
  const unit = m[2]!.startsWith('minute') ? 60_000 : m[2]!.startsWith('hour') ? 3_600_000 : 86_400_000;
  return Math.max(1000, Math.round((Number(m[1]) * unit) / compress));
}

export function readTrigger(fn: string, params: Record<string, string>, compress: number): Trigger {
  const doc = parse(readFileSync(path.join(FUNCTIONS_DIR, `${fn}.yml`), 'utf8')) as Record<string, { events?: Record<string, unknown>[] }>;
  const fill = (v: unknown): unknown =>
    typeof v === 'string' ? v.replace(/\$\{param:(\w+)\}/g, (_, k: string) => params[k] ?? '') : Array.isArray(v) ? v.map(fill) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)])) : v;
  const trigger: Trigger = { fn, patterns: [], schedules: [] };
  for (const e of doc[fn]?.events ?? []) {
    if (e.eventBridge) trigger.patterns.push(fill((e.eventBridge as { pattern: Record<string, unknown> }).pattern) as Record<string, unknown>);
    if (e.schedule) {
      const s = e.schedule as string | { rate: string | string[]; input?: unknown };
      const rates = typeof s === 'string' ? [s] : Array.isArray(s.rate) ? s.rate : [s.rate];
      for (const rate of rates) trigger.schedules.push({ rate, everyMs: rateMs(rate, compress), input: typeof s === 'string' ? undefined : s.input });
    }
  }
  return trigger;
}

/** EventBridge's matching: every pattern key must be present; a list matches any of its values. */
export function matchesPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, want]) => {
    const have = event[key];
    if (Array.isArray(want)) {
      const values = Array.isArray(have) ? have : [have];
      return values.some((v) => want.includes(v));
    }
    if (want && typeof want === 'object') return !!have && typeof have === 'object' && matchesPattern(want as Record<string, unknown>, have as Record<string, unknown>);
    return have === want;
  });
}

/** A schedule's event: its `input` when it has one, else EventBridge's `Scheduled Event`. */
export function scheduledEvent(input?: unknown): FleetEvent {
  if (input !== undefined) return input as FleetEvent;
  const region = process.env.AWS_REGION ?? 'us-east-1';
  return { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000', time: new Date().toISOString(), region, resources: [], detail: {} };
}

/** One function's invocations in order, one at a time (reservedConcurrency: 1). */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  constructor(
    private readonly fn: string,
    private readonly handler: FleetHandler,
    private readonly onDone: (i: Invocation) => void,
  ) {}
  invoke(event: FleetEvent, trigger: string): Promise<void> {
    const run = async () => {
      const t0 = Date.now();
      try {
        await this.handler(event);
        this.onDone({ fn: this.fn, trigger, ms: Date.now() - t0 });
      } catch (e: unknown) {
        this.onDone({ fn: this.fn, trigger, ms: Date.now() - t0, error: e instanceof Error ? e : new Error(String(e)) });
      }
    };
    const next = this.tail.then(run);
    this.tail = next;
    return next;
  }
  idle(): Promise<unknown> {
    return this.tail;
  }
}

export interface Wiring {
  invoke(fn: string, event: FleetEvent, trigger: string): Promise<void>;
  stop(): Promise<void>;
}

/** Delivers the emulator's events and the compressed schedules to the functions. */
export function wireTriggers(events: FleetEvents, triggers: Trigger[], handlers: Record<string, FleetHandler>, onDone: (i: Invocation) => void): Wiring {
  const serial = new Map(triggers.map((t) => [t.fn, new Serial(t.fn, handlers[t.fn]!, onDone)]));
  const timers: NodeJS.Timeout[] = [];
  const listener = (event: FleetEvent) => {
    for (const t of triggers) {
      if (t.patterns.some((p) => matchesPattern(p, event as unknown as Record<string, unknown>))) {
        const detail = event.detail as { state?: string; 'instance-id'?: string };
        void serial.get(t.fn)!.invoke(event, `${event['detail-type']}${detail.state ? ` ${detail['instance-id']} ${detail.state}` : ''}`);
      }
    }
  };
  events.on('event', listener);
  for (const t of triggers) {
    for (const s of t.schedules) {
      const timer = setInterval(() => void serial.get(t.fn)!.invoke(scheduledEvent(s.input), `schedule ${s.rate}`), s.everyMs);
      timer.unref();
      timers.push(timer);
    }
  }
  return {
    invoke: (fn, event, trigger) => {
      const s = serial.get(fn);
      if (!s) throw new Error(`no function ${fn}`);
      return s.invoke(event, trigger);
    },
    async stop() {
      events.off('event', listener);
      for (const t of timers) clearInterval(t);
      await Promise.all([...serial.values()].map((s) => s.idle()));
    },
  };
}
