import { loadConfig } from '../../core/config';
import { defaultS3 } from '../../cloud/clients';
import { createLogger } from '../../instance/logger';
import { listenAdmin, type RunningAdmin } from '../../instance/web/admin-server';
import { buildWebApp } from '../../instance/web/app';
import { apacheHandOff, nginxHandOff } from '../../instance/web/download';
import { listenWeb } from '../../instance/web/lifecycle';
import { createWebMetrics } from '../../instance/web/metrics';
import { commandEnv, parseCommandArgs, UsageError, type Command } from '../command';

const help = `usage: shelfstack web [--port N] [--host ADDR] [--drain-seconds S] [--x-accel-redirect PREFIX | --x-sendfile]

Serves signed downloads (GET|HEAD /audiobooks/<book>/<file>?expires=..&signature=..) through
the S3 read-through disk cache, plus /healthz and /metrics. Logs JSON lines to stdout.
With SHELFSTACK_CACHE_ADMIN_URL (http://127.0.0.1:8081 on EC2) it also serves the cache's admin
endpoints for the agent there, on loopback only: POST /admin/cache/sweep, POST /admin/cache/invalidate.

  --port N           port to listen on (default 8080; 0 picks a free one)
  --host ADDR        address to listen on (default 0.0.0.0)
  --drain-seconds S  on SIGTERM/SIGINT, how long in-flight downloads may finish (default 30)
  --x-accel-redirect PREFIX
                     hand cache hits to nginx in front: answer X-Accel-Redirect: PREFIX/<book>/<etag>/<file>
                     (an internal location aliased to SHELFSTACK_CACHE_DIR/chunks/); see README "Downloads"
  --x-sendfile       hand cache hits to Apache (mod_xsendfile) in front with X-Sendfile: <path>
  --check            load and check the configuration and flags, then exit 0 without serving

Needs SHELFSTACK_BUCKET, SHELFSTACK_LISTING_DIR, SHELFSTACK_CACHE_DIR, SHELFSTACK_CACHE_MAX_BYTES,
SHELFSTACK_CACHE_MAX_AGE and SHELFSTACK_SIGNING_KEY (SHELFSTACK_SIGNING_KEY_PREVIOUS while rotating),
and the AWS SDK's usual variables.`;

function nonNegativeInt(raw: string | undefined, fallback: number, flag: string): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} must be a whole number`);
  return Number(raw);
}

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        'drain-seconds': { type: 'string' },
        'x-accel-redirect': { type: 'string' },
        'x-sendfile': { type: 'boolean' },
        check: { type: 'boolean' },
      },
      false,
    );
    if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const port = nonNegativeInt(values.port, 8080, '--port');
    if (port > 65535) throw new UsageError('--port must be at most 65535');
    if (values['x-accel-redirect'] !== undefined && values['x-sendfile']) throw new UsageError('choose one of --x-accel-redirect and --x-sendfile');
    if (values['x-accel-redirect'] !== undefined && !values['x-accel-redirect'].startsWith('/')) throw new UsageError('--x-accel-redirect must be a path starting with /');
    const handOff = values['x-accel-redirect'] !== undefined ? nginxHandOff(values['x-accel-redirect']) : values['x-sendfile'] ? apacheHandOff : undefined;
    const drainMs = nonNegativeInt(values['drain-seconds'], 30, '--drain-seconds') * 1000;
    const config = loadConfig(
      commandEnv(values.config),
      ['bucket', 'listingDir', 'cacheDir', 'cacheMaxBytes', 'cacheMaxAge', 'signingKey'],
      ['signingKeyPrevious', 'instanceId', 'cacheAdminUrl'],
      { allErrors: true },
    );
    if (values.check) {
      console.log('web: configuration ok');
      return 0;
    }

    const logger = createLogger('shelfstack-web').child(config.instanceId ? { instance: config.instanceId } : {});
    const s3 = defaultS3();
    const app = buildWebApp({ ...config, s3, handOff, logger, metrics: createWebMetrics({ processMetrics: true }) });
    const web = await listenWeb(app, { port, host: values.host ?? '0.0.0.0', logger });
    let admin: RunningAdmin | undefined;
    if (config.cacheAdminUrl) {
      try {
        admin = await listenAdmin(config.cacheAdminUrl, app.cache, logger);
      } catch (e: unknown) {
        await web.stop(0);
        s3.destroy();
        throw e;
      }
    } else {
      logger.warn('cache_admin_url_unset_no_admin_endpoints');
    }

    // The one place that handles SIGTERM/SIGINT: drain, then exit; a second signal exits at once.
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    logger.info({ signal }, 'web_shutdown_requested');
    const force = () => process.exit(1);
    process.once('SIGTERM', force);
    process.once('SIGINT', force);
    const [{ cut }] = await Promise.all([web.stop(drainMs), admin?.stop()]);
    s3.destroy();
    logger.flush();
    return cut ? 1 : 0;
  },
};
