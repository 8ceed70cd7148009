import { loadConfig } from '../../core/config';
import { defaultS3 } from '../../cloud/clients';
import { backupDatabase, listBackups, pruneBackups, restoreDatabase } from '../../instance/db-backup';
import { createLogger } from '../../instance/logger';
import { commandEnv, parseCommandArgs, UsageError, type Command } from '../command';

const help = `usage: shelfstack db backup [--no-prune]
       shelfstack db restore <key> [--into DATABASE]
       shelfstack db list

backup   mysqldump --single-transaction | gzip, streamed to S3 as backups/db/<db>/<time>.sql.gz,
         then deletes what the retention (newest per hour for 48 h, per day for 30 days) drops
restore  streams a backup into mysql (the database must exist; default SHELFSTACK_DB_NAME)
list     the database's backups in S3

Needs SHELFSTACK_BUCKET and SHELFSTACK_DB_NAME; SHELFSTACK_DB_HOST/PORT/USER default to
127.0.0.1/3306/root; a password comes from MYSQL_PWD or the user's ~/.my.cnf.`;

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { 'no-prune': { type: 'boolean' }, into: { type: 'string' } });
    const env = commandEnv(values.config);
    const c = loadConfig(env, ['bucket', 'dbHost', 'dbPort', 'dbUser', 'dbName']);
    const db = { host: c.dbHost, port: c.dbPort, user: c.dbUser, database: c.dbName };
    const logger = createLogger('shelfstack-db', { level: 'warn', destination: process.stderr });
    const s3 = defaultS3();
    const [action, ...rest] = positionals;

    if (action === 'backup' && rest.length === 0) {
      const { key, bytes } = await backupDatabase({ s3, bucket: c.bucket, db, logger });
      console.log(`db backup: ${key} (${bytes} bytes)`);
      if (!values['no-prune']) {
        const removed = await pruneBackups({ s3, bucket: c.bucket, database: db.database, logger });
        console.log(`db backup: ${removed.length} old backups removed`);
      }
      return 0;
    }
    if (action === 'restore' && rest.length === 1) {
      const target = { ...db, database: values.into ?? db.database };
      await restoreDatabase({ s3, bucket: c.bucket, key: rest[0]!, db: target, logger });
      console.log(`db restore: ${rest[0]} restored into ${target.database}`);
      return 0;
    }
    if (action === 'list' && rest.length === 0) {
      for (const b of await listBackups(s3, c.bucket, db.database)) console.log(`${b.key}\t${b.size}\t${b.lastModified.toISOString()}`);
      return 0;
    }
    throw new UsageError(action ? `bad arguments for "${action}"` : 'which action: backup, restore or list?');
  },
};
