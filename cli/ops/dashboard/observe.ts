import { planFleet } from '../../../core/fleet-plan';
import { listingFreshness, observeFleet, type FleetClients, type FleetConfig } from '../fleet';
import { statusModel, type StatusModel } from '../fleet-format';
import { readWebMetrics, type MetricsSource, type WebCacheMetrics } from './metrics';
import { observeQueues, type QueueDepth } from './queues';

/** One source's reading, or why there is none: one slow or failing source never blanks the page. */
export type Reading<T> = { ok: true; value: T } | { ok: false; error: string };

/** Everything the page shows, read at one time; JSON as it stands (GET /status.json). */
export interface DashboardStatus {
  cluster: string;
  at: string;
  /** The same model as `shelfstack status` (EC2, Route 53 and S3). */
  fleet: Reading<StatusModel>;
  queues: Reading<QueueDepth[]>;
  /** One per configured web server; empty when SHELFSTACK_DASHBOARD_METRICS is unset. */
  web: (MetricsSource & Reading<WebCacheMetrics>)[];
}

export interface DashboardSources {
  clients: FleetClients;
  cfg: FleetConfig;
  metrics: MetricsSource[];
  metricsTimeoutMs: number;
  now: () => Date;
}

type ErrorLike = { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };

function errorLike(e: unknown): ErrorLike | undefined {
  return typeof e === 'object' && e !== null && typeof (e as ErrorLike).message === 'string' ? (e as ErrorLike) : undefined;
}

/**
 * A failure's one line for the page: the error's name and message, and for fetch's bare "fetch
 * failed" its cause (ECONNREFUSED, a DNS failure); never a stack. Duck-typed, not `instanceof
 * Error`: fetch's errors come from another realm than this module's Error under jest's VM.
 */
export function reason(e: unknown): string {
  const err = errorLike(e);
  if (!err) return String(e);
  const name = typeof err.name === 'string' && err.name !== 'Error' ? `${err.name}: ` : '';
  const c = errorLike(err.cause);
  const why = c && (typeof c.code === 'string' ? c.code : (c.message as string));
  return `${name}${err.message as string}${why ? `: ${why}` : ''}`.split('\n')[0]!;
}

async function read<T>(p: Promise<T>): Promise<Reading<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e: unknown) {
    return { ok: false, error: reason(e) };
  }
}

export async function observeDashboard(s: DashboardSources): Promise<DashboardStatus> {
  const now = s.now();
  const fleet = async () => {
    const [observation, listing] = await Promise.all([observeFleet(s.clients, s.cfg), listingFreshness(s.clients, s.cfg)]);
    return statusModel(observation, planFleet(observation, s.cfg, now), listing, s.cfg, now);
  };
  const [fleetReading, queues, web] = await Promise.all([
    read(fleet()),
    read(observeQueues(s.clients.sqs, s.cfg.cluster)),
    Promise.all(s.metrics.map(async (m) => ({ ...m, ...(await read(readWebMetrics(m, s.metricsTimeoutMs))) }))),
  ]);
  return { cluster: s.cfg.cluster, at: now.toISOString(), fleet: fleetReading, queues, web };
}
