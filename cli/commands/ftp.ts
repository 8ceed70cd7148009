import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../core/config';
import { defaultS3 } from '../../cloud/clients';
import { FtpIngestServer } from '../../instance/ftp/server';
import { addUser } from '../../instance/ftp/users';
import { createLogger } from '../../instance/logger';
import { commandEnv, parseCommandArgs, UsageError, type Command } from '../command';
import { untilTerminated } from '../shutdown';

const help = `usage: shelfstack ftp [--port N] [--host ADDR] [--check]
       shelfstack ftp adduser USER --role narrator|staff|partner [--password-stdin]

ftp      the FTP(S) ingest server. Users come from SHELFSTACK_FTP_USERS (scrypt hashes); homes,
         spool and quarantine live in SHELFSTACK_FTP_DIR. Explicit FTPS when SHELFSTACK_FTP_TLS_CERT
         and SHELFSTACK_FTP_TLS_KEY are set; passive ports SHELFSTACK_FTP_PASV_MIN..MAX, announced as
         SHELFSTACK_FTP_PASV_URL (the public IP). Uploads are routed: audiobooks/<book>/<file>.mp3 to
         S3, samples/ and podcasts/ to SHELFSTACK_REPL_MASTER with rsync, the rest to quarantine.
adduser  adds a user (or sets a new password and role); the password is read from stdin with
         --password-stdin, else generated and printed once.
--check  load and check the server's configuration, then exit 0 without serving.`;

const STOP_DEADLINE_MS = 60_000; // a chunk in flight to S3 gets a minute to finish

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      role: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      check: { type: 'boolean' },
    });
    const env = commandEnv(values.config);
    const [action, ...rest] = positionals;

    if (action === 'adduser') {
      const [user, ...extra] = rest;
      if (!user || extra.length) throw new UsageError('adduser takes one user name');
      if (!values.role) throw new UsageError('adduser needs --role narrator|staff|partner');
      const { ftpUsers } = loadConfig(env, ['ftpUsers']);
      const password = values['password-stdin'] ? await readStdin() : randomBytes(12).toString('base64url');
      const outcome = await addUser(ftpUsers, user, password, values.role);
      console.log(`ftp adduser: ${user} ${outcome} as ${values.role} in ${ftpUsers}`);
      if (!values['password-stdin']) console.log(`password: ${password}`);
      return 0;
    }
    if (action !== undefined) throw new UsageError(`unknown action "${action}"`);

    if (values.port) env.SHELFSTACK_FTP_PORT = values.port;
    if (values.host) env.SHELFSTACK_FTP_HOST = values.host;
    const c = loadConfig(
      env,
      ['bucket', 'ftpDir', 'ftpUsers', 'ftpHost', 'ftpPort', 'ftpPasvMin', 'ftpPasvMax'],
      ['ftpPasvUrl', 'ftpTlsCert', 'ftpTlsKey', 'replMaster'],
    );
    if (Boolean(c.ftpTlsCert) !== Boolean(c.ftpTlsKey)) throw new UsageError('set both SHELFSTACK_FTP_TLS_CERT and SHELFSTACK_FTP_TLS_KEY, or neither');
    if (values.check) {
      console.log('ftp: configuration ok');
      return 0;
    }
    const logger = createLogger('shelfstack-ftp');
    const server = new FtpIngestServer({
      s3: defaultS3(),
      bucket: c.bucket,
      dir: c.ftpDir,
      usersFile: c.ftpUsers,
      host: c.ftpHost,
      port: c.ftpPort,
      pasvUrl: c.ftpPasvUrl ?? (c.ftpHost === '0.0.0.0' ? '127.0.0.1' : c.ftpHost),
      pasvMin: c.ftpPasvMin,
      pasvMax: c.ftpPasvMax,
      tls: c.ftpTlsCert && c.ftpTlsKey ? { certFile: c.ftpTlsCert, keyFile: c.ftpTlsKey } : undefined,
      replMaster: c.replMaster,
      logger,
    });
    await server.start();
    return untilTerminated({ stop: () => server.stop(), deadlineMs: STOP_DEADLINE_MS, logger });
  },
};
