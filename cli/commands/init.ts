import { loadConfig } from '../../core/config';
import { defaultS3, defaultSqs } from '../../cloud/clients';
import { resolveIdentity } from '../../instance/identity';
import { runInit } from '../../instance/init';
import { createLogger } from '../../instance/logger';
import { commandEnv, parseCommandArgs, UsageError, type Command } from '../command';

const help = `usage: shelfstack init [--hosts-file PATH] [--cloud-init-cfg PATH]

The boot step of every instance (cloud-init runs it at each boot):
  - installs the published cluster/hosts as the "# BEGIN shelfstack" block of the hosts file
    (default /etc/hosts; atomic; every other line kept) and stops cloud-init's manage_etc_hosts
    from rewriting it (default /etc/cloud/cloud.cfg.d/99-shelfstack.cfg);
  - on a web server, syncs the listing directory (SHELFSTACK_LISTING_DIR);
  - on a web server, PHP's session store (SHELFSTACK_SESSIONS=mysql|memcached: with memcached,
    <SHELFSTACK_PHP_CONF_DIR>/mods-available/shelfstack-sessions.ini, enabled, Apache reloaded);
    on a cache server, /etc/memcached.conf on its private address (SHELFSTACK_MEMCACHED_MEMORY);
  - creates this instance's signal queue.
Prints what changed; a second run prints that nothing changed.

Needs SHELFSTACK_CLUSTER, SHELFSTACK_BUCKET; the instance id and roles come from the metadata
service unless SHELFSTACK_INSTANCE_ID and SHELFSTACK_ROLE are set.`;

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      'hosts-file': { type: 'string' },
      'cloud-init-cfg': { type: 'string' },
    }, false);
    if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const env = commandEnv(values.config);
    if (values['hosts-file']) env.SHELFSTACK_HOSTS_FILE = values['hosts-file'];
    if (values['cloud-init-cfg']) env.SHELFSTACK_CLOUD_INIT_CFG = values['cloud-init-cfg'];
    const config = loadConfig(env, ['cluster', 'bucket', 'hostsFile', 'cloudInitCfg'], ['listingDir']);
    const sessions = loadConfig(env, ['sessions', 'memcached', 'sessionsLifetime', 'sessionsPrefix', 'memcachedMemory', 'phpConfDir'], ['memcachedAddress']);
    const identity = await resolveIdentity(env);
    const logger = createLogger('shelfstack-init', { level: 'warn', destination: process.stderr });
    const report = await runInit({ s3: defaultS3(), sqs: defaultSqs(), ...config, sessions, identity, logger });
    for (const note of report.notes) console.log(`note: ${note}`);
    if (report.changes.length === 0) console.log('init: nothing changed');
    else for (const change of report.changes) console.log(`changed: ${change}`);
    return 0;
  },
};
