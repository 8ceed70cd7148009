import { PROVISION_ROLES, renderUserData, type ProvisionRole } from '../../instance/provision/render';
import { parseCommandArgs, UsageError, type Command } from '../command';

const help = `usage: shelfstack provision user-data --role web|db|ftp --cluster NAME --bucket BUCKET
         --region REGION --domain DOMAIN [--package s3://BUCKET/KEY] [--node-version X.Y.Z]
         [--repl-master ssh://replserver//srv/www-master] [--data-device /dev/nvme1n1] [--db-name NAME]

Prints the cloud-init user-data of a role (for a launch template): Node and shelfstack, the role's
packages and systemd units, /etc/shelfstack/env, manage_etc_hosts off, shelfstack init. The same for
every instance of the role: the hostname (from the shelfstack:slot tag) and the secrets (SSM) are
learnt at boot. The package defaults to s3://BUCKET/artifacts/shelfstack.tgz.`;

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      role: { type: 'string' },
      cluster: { type: 'string' },
      bucket: { type: 'string' },
      region: { type: 'string' },
      domain: { type: 'string' },
      package: { type: 'string' },
      'node-version': { type: 'string' },
      'repl-master': { type: 'string' },
      'data-device': { type: 'string' },
      'db-name': { type: 'string' },
    });
    if (positionals.length !== 1 || positionals[0] !== 'user-data') throw new UsageError('which action: user-data?');
    const role = values.role as ProvisionRole;
    if (!PROVISION_ROLES.includes(role)) throw new UsageError(`--role must be one of ${PROVISION_ROLES.join(', ')}`);
    for (const flag of ['cluster', 'bucket', 'region', 'domain'] as const) {
      if (!values[flag]) throw new UsageError(`--${flag} is required`);
    }
    if (role === 'db' && (!values['data-device'] || !values['db-name'])) throw new UsageError('db needs --data-device and --db-name');
    if (role !== 'db' && !values['repl-master']) throw new UsageError(`${role} needs --repl-master`);
    process.stdout.write(
      renderUserData(role, {
        cluster: values.cluster!,
        bucket: values.bucket!,
        region: values.region!,
        domain: values.domain!,
        shelfstackPackage: values.package,
        nodeVersion: values['node-version'] ?? '20.19.5',
        replMaster: values['repl-master'],
        dataDevice: values['data-device'],
        dbName: values['db-name'],
      }),
    );
    return 0;
  },
};
