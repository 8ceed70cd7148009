import type { FleetClients, FleetConfig } from '../fleet';
import type { MetricsSource } from './metrics';
import { observeDashboard, type DashboardStatus } from './observe';
import { buildDashboard, listenDashboard, type RunningDashboard } from './server';

export { parseMetricsSources, METRICS_VARIABLE } from './metrics';
export type { DashboardStatus } from './observe';
export type { RunningDashboard } from './server';

export interface StartDashboardOptions {
  clients: FleetClients;
  cfg: FleetConfig;
  metrics?: MetricsSource[];
  host?: string;
  port?: number;
  refreshMs?: number;
  /** How long one web server's /metrics may take (default 2 s). */
  metricsTimeoutMs?: number;
  now?: () => Date;
  /** Each reading, after it is taken (the command logs the sources that failed). */
  onReading?: (status: DashboardStatus) => void;
}

/** The dashboard on `host:port` (default 127.0.0.1, port 0 picks one): what `shelfstack dashboard` and the rehearsal start. */
export async function startDashboard(opts: StartDashboardOptions): Promise<RunningDashboard> {
  const sources = { clients: opts.clients, cfg: opts.cfg, metrics: opts.metrics ?? [], metricsTimeoutMs: opts.metricsTimeoutMs ?? 2000, now: opts.now ?? (() => new Date()) };
  const app = buildDashboard({
    refreshMs: opts.refreshMs ?? 3000,
    observe: async () => {
      const status = await observeDashboard(sources);
      opts.onReading?.(status);
      return status;
    },
  });
  return listenDashboard(app, opts.host ?? '127.0.0.1', opts.port ?? 0);
}
