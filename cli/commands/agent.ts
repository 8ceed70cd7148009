import { loadConfig } from '../../core/config';
import { defaultS3, defaultSqs } from '../../cloud/clients';
import { Agent } from '../../instance/agent';
import { CacheAdminClient } from '../../instance/cache-admin-client';
import { resolveIdentity } from '../../instance/identity';
import { ListingSync } from '../../instance/listing-sync';
import { createLogger } from '../../instance/logger';
import { commandEnv, parseCommandArgs, UsageError, type Command } from '../command';
import { untilTerminated } from '../shutdown';

const help = `usage: shelfstack agent [--no-hosts] [--check]

Long-polls this instance's signal queue and acts on the signals:
  listing-changed  sync one book (or all) into SHELFSTACK_LISTING_DIR (web servers)
  hosts-changed    install cluster/hosts again into SHELFSTACK_HOSTS_FILE (default /etc/hosts)
  sweep            run the download cache's sweeper      } through the web server's admin
  invalidate       drop one cached chunk                  } endpoints at SHELFSTACK_CACHE_ADMIN_URL
A full listing sync runs every SHELFSTACK_AGENT_FULL_SYNC (default 15m) as a safety net.
Stops on SIGTERM/SIGINT after the signal in hand (at most ${20}s).

  --no-hosts   leave the hosts file alone (hosts-changed signals are logged and dropped)
  --check      load and check the configuration, then exit 0 without polling`;

const STOP_DEADLINE_MS = 20_000;

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { 'no-hosts': { type: 'boolean' }, check: { type: 'boolean' } }, false);
    if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const env = commandEnv(values.config);
    const config = loadConfig(env, ['cluster', 'bucket', 'hostsFile', 'cloudInitCfg', 'agentFullSync', 'agentWaitSeconds'], ['listingDir', 'cacheAdminUrl']);
    if (values.check) {
      if (loadConfig(env, [], ['role']).role?.includes('web') && !config.listingDir) throw new UsageError('a web server needs SHELFSTACK_LISTING_DIR');
      console.log('agent: configuration ok');
      return 0;
    }
    const identity = await resolveIdentity(env);
    const logger = createLogger('shelfstack-agent');
    const s3 = defaultS3();
    const isWeb = identity.roles.includes('web');
    if (isWeb && !config.listingDir) throw new UsageError('a web server needs SHELFSTACK_LISTING_DIR');
    if (isWeb && !config.cacheAdminUrl) logger.warn('cache_admin_url_unset_sweep_and_invalidate_dropped');

    const agent = new Agent({
      s3,
      sqs: defaultSqs(),
      cluster: config.cluster,
      bucket: config.bucket,
      instanceId: identity.instanceId,
      listing: isWeb && config.listingDir ? new ListingSync({ s3, bucket: config.bucket, dir: config.listingDir, logger }) : undefined,
      hosts: values['no-hosts'] ? undefined : { hostsFile: config.hostsFile, cloudInitCfg: config.cloudInitCfg },
      cache: config.cacheAdminUrl ? new CacheAdminClient(config.cacheAdminUrl) : undefined,
      fullSyncEveryMs: config.agentFullSync * 1000,
      waitSeconds: Math.min(config.agentWaitSeconds, 20),
      logger,
    });
    await agent.start();
    return untilTerminated({ stop: () => agent.stop(), deadlineMs: STOP_DEADLINE_MS, logger });
  },
};
