import { SSMClient } from '@aws-sdk/client-ssm';
import { loadConfig } from '../../core/config';
import { defaultS3, defaultSqs } from '../../cloud/clients';
import { readInstanceMetadata, type InstanceMetadata } from '../../cloud/imds';
import { runBootStep } from '../../instance/boot';
import { ensureAppUser } from '../../instance/db-user';
import { resolveIdentity } from '../../instance/identity';
import { runInit } from '../../instance/init';
import { createLogger } from '../../instance/logger';
import { commandEnv, parseCommandArgs, UsageError, type Command } from '../command';

const help = `usage: shelfstack init [--hosts-file PATH] [--cloud-init-cfg PATH] [--check]

The boot step of every instance (cloud-init runs it at each boot):
  - on EC2, sets the hostname from the instance's shelfstack:slot tag (<slot>.SHELFSTACK_DOMAIN);
  - reads the role's secrets from SSM (/shelfstack/<cluster>/signing-key, -previous, db-password)
    and FTP's passive address into SHELFSTACK_BOOT_ENV (default /etc/shelfstack/boot.env, 0600);
  - installs the published cluster/hosts as the "# BEGIN shelfstack" block of the hosts file
    (default /etc/hosts; atomic; every other line kept) and stops cloud-init's manage_etc_hosts
    from rewriting it (default /etc/cloud/cloud.cfg.d/99-shelfstack.cfg);
  - on a web server, syncs the listing directory (SHELFSTACK_LISTING_DIR);
  - on the db server, creates SHELFSTACK_DB_NAME and its user SHELFSTACK_DB_USER with the password;
  - on a web server, PHP's session store (SHELFSTACK_SESSIONS=mysql|memcached: with memcached,
    <SHELFSTACK_PHP_CONF_DIR>/mods-available/shelfstack-sessions.ini, enabled, Apache reloaded);
    on a cache server, /etc/memcached.conf on its private address (SHELFSTACK_MEMCACHED_MEMORY);
  - creates this instance's signal queue.
Prints what changed (never a secret); a second run prints that nothing changed.

  --check   load and check the configuration, then exit 0 (nothing is read or written)

Needs SHELFSTACK_CLUSTER, SHELFSTACK_BUCKET; the instance id and roles come from the metadata
service unless SHELFSTACK_INSTANCE_ID and SHELFSTACK_ROLE are set.`;

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      'hosts-file': { type: 'string' },
      'cloud-init-cfg': { type: 'string' },
      check: { type: 'boolean' },
    }, false);
    if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const env = commandEnv(values.config);
    if (values['hosts-file']) env.SHELFSTACK_HOSTS_FILE = values['hosts-file'];
    if (values['cloud-init-cfg']) env.SHELFSTACK_CLOUD_INIT_CFG = values['cloud-init-cfg'];
    const config = loadConfig(env, ['cluster', 'bucket', 'hostsFile', 'cloudInitCfg', 'bootEnvFile', 'dbHost', 'dbPort', 'dbUser'], ['listingDir', 'domain', 'dbName', 'dbAdminSocket']);
    const sessions = loadConfig(env, ['sessions', 'memcached', 'sessionsLifetime', 'sessionsPrefix', 'memcachedMemory', 'phpConfDir'], ['memcachedAddress']);
    if (values.check) {
      console.log('init: configuration ok');
      return 0;
    }
    let meta: InstanceMetadata | undefined;
    const identity = await resolveIdentity(env, async () => (meta = await readInstanceMetadata()));
    const logger = createLogger('shelfstack-init', { level: 'warn', destination: process.stderr });

    const ssm = new SSMClient({});
    const boot = await runBootStep({ ssm, cluster: config.cluster, roles: identity.roles, meta, domain: config.domain, bootEnvFile: config.bootEnvFile });
    ssm.destroy();
    const report = await runInit({ s3: defaultS3(), sqs: defaultSqs(), ...config, sessions, identity, logger });
    const changes = [...boot.changes, ...report.changes];
    if (identity.roles.includes('db')) {
      if (!config.dbName) throw new UsageError('the db server needs SHELFSTACK_DB_NAME');
      const admin = config.dbAdminSocket ? { socketPath: config.dbAdminSocket } : { host: config.dbHost, port: config.dbPort, user: 'root' };
      // The boot step stopped already if the parameter is missing.
      await ensureAppUser({ admin, database: config.dbName, user: config.dbUser, password: boot.env.SHELFSTACK_DB_PASSWORD! });
    }
    for (const note of [...boot.notes, ...report.notes]) console.log(`note: ${note}`);
    if (changes.length === 0) console.log('init: nothing changed');
    else for (const change of changes) console.log(`changed: ${change}`);
    return 0;
  },
};
