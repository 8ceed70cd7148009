import { createLogger } from '../../instance/logger';
import { isLoopback } from '../../instance/web/admin-server';
import { commandEnv, intFlag, parseCommandArgs, UsageError, type Command } from '../command';
import { defaultFleetClients, loadFleetConfig } from '../ops/fleet';
import { METRICS_VARIABLE, parseMetricsSources, startDashboard, type DashboardStatus } from '../ops/dashboard';

const help = `usage: shelfstack dashboard [--port N] [--host ADDR] [--refresh-seconds S]

Serves a live page of the fleet: the model of \`shelfstack status\` (instances by slot and role with
their health, the record current against desired, each elastic IP's holder, the db volume and its
attachment, the hosts file's age, the listing's freshness), each web server's cache hit ratio and
bytes served from its /metrics, and the depth of every queue of the cluster, dead-letter queues
included. The page refreshes itself from GET /status.json; GET /healthz answers ok. Changes nothing.

  --port N             port to listen on (default 8090; 0 picks a free one)
  --host ADDR          address to listen on (default 127.0.0.1). The page has no login: an address
                       other than loopback is served only when named here, with a warning
  --refresh-seconds S  how often the page reads the fleet again (default 3)

Needs SHELFSTACK_CLUSTER, SHELFSTACK_BUCKET, SHELFSTACK_ZONE_ID, SHELFSTACK_RECORD and the AWS
SDK's usual variables (the rehearsal's are in .shelfstack/local.env). ${METRICS_VARIABLE}, comma-
separated \`URL\` or \`NAME=URL\` of the web servers (e.g. www1=http://127.0.0.1:8080), says whose
/metrics to read; unset, none is read. --config FILE adds KEY=VALUE settings.`;

/** The sources that failed in a reading, one line each, to log when they change. */
function failures(s: DashboardStatus): string[] {
  const out: string[] = [];
  if (!s.fleet.ok) out.push(`fleet: ${s.fleet.error}`);
  if (!s.queues.ok) out.push(`queues: ${s.queues.error}`);
  for (const w of s.web) if (!w.ok) out.push(`${w.name}: ${w.error}`);
  return out;
}

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { port: { type: 'string' }, host: { type: 'string' }, 'refresh-seconds': { type: 'string' } }, false);
    if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const port = intFlag(values.port, 'port', 8090, 0, 65535);
    const refreshMs = intFlag(values['refresh-seconds'], 'refresh-seconds', 3, 1, 3600) * 1000;
    const host = values.host ?? '127.0.0.1';
    const env = commandEnv(values.config);
    const cfg = loadFleetConfig(env);
    const metrics = parseMetricsSources(env[METRICS_VARIABLE]);
    const logger = createLogger('shelfstack-dashboard');
    if (host !== 'localhost' && !isLoopback(host)) logger.warn({ host }, 'dashboard_not_on_loopback_no_login');

    let seen = '';
    const dashboard = await startDashboard({
      clients: defaultFleetClients(),
      cfg,
      metrics,
      host,
      port,
      refreshMs,
      onReading: (s) => {
        const now = failures(s).join('\n');
        if (now !== seen) (now ? logger.warn({ failures: failures(s) }, 'dashboard_sources_failed') : logger.info('dashboard_sources_ok'));
        seen = now;
      },
    });
    console.log(`shelfstack dashboard: ${dashboard.url} (cluster ${cfg.cluster}, refresh every ${refreshMs / 1000}s, metrics from ${metrics.length} web server${metrics.length === 1 ? '' : 's'})`);
    logger.info({ url: dashboard.url, cluster: cfg.cluster }, 'dashboard_listening');

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    logger.info({ signal }, 'dashboard_stopping');
    await dashboard.close();
    logger.flush();
    return 0;
  },
};
