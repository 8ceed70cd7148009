import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { FileSystem, FtpSrv, type FtpConnection } from 'ftp-srv';
import { mayWrite, WRITABLE, type FtpRole } from '../../core/ftp-ingest';
import { silentLogger, type Logger } from '../logger';
import { Ingest } from './ingest';
import { UploadStream } from './upload-stream';
import { loadUsers, verifyPassword } from './users';

export interface FtpIngestOptions {
  s3: S3Client;
  bucket: string;
  /** Data folder: homes/<user>, spool/, quarantine/. */
  dir: string;
  usersFile: string;
  host: string;
  port: number;
  /** The address clients are told to connect to in passive mode (the public IP on EC2). */
  pasvUrl: string;
  pasvMin: number;
  pasvMax: number;
  /** Explicit FTPS (AUTH TLS) with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  replMaster?: string;
  retryMs?: number;
  refuseKey?: (key: string) => string | undefined;
  logger?: Logger;
}

const REFUSED_USERS = new Set(['anonymous', 'ftp']);

class LoginRefused extends Error {
  override name = 'LoginRefused';
}

/** The home's view for one user: reads anywhere in the home, writes only where the role may. */
class RoleFileSystem extends FileSystem {
  constructor(
    connection: FtpConnection,
    root: string,
    private readonly role: FtpRole,
    private readonly receive: (relPath: string) => UploadStream,
  ) {
    super(connection, { root, cwd: '/' });
  }

  /** The home-relative path a client path names (ftp-srv already keeps `..` inside the root). */
  relative(clientPath: string): string {
    return path.posix.normalize(path.posix.join('/', this.cwd, clientPath.replace(/\\/g, '/'))).slice(1);
  }

  private check(clientPath: string): void {
    if (!mayWrite(this.role, this.relative(clientPath))) throw new Error(`permission denied: a ${this.role} may not write ${clientPath}`);
  }

  /** Each STOR writes a file of its own, spooled before the 226 (see UploadStream). */
  override write(fileName: string, opts?: { append?: boolean; start?: unknown }) {
    this.check(fileName);
    // The home never holds a half-sent file to resume: an upload is always sent whole.
    if (opts?.append || opts?.start) throw new Error('resuming an upload (APPE, REST) is not supported: send the whole file');
    const relPath = this.relative(fileName);
    return { stream: this.receive(relPath), clientPath: `/${relPath}` };
  }
  override mkdir(p: string) {
    // Clients that create a path folder by folder also "create" the role's own top folders.
    if (!WRITABLE[this.role].includes(this.relative(p))) this.check(p);
    return super.mkdir(p);
  }
  override delete(p: string) {
    this.check(p);
    return super.delete(p);
  }
  override rename(from: string, to: string) {
    this.check(from);
    this.check(to);
    return super.rename(from, to);
  }
  override chmod(): Promise<never> {
    return Promise.reject(new Error('permission denied: chmod'));
  }
}

/**
 * `shelfstack ftp`: the FTP(S) ingest server. Users and scrypt hashes come from the users file
 * (re-read at each login, so `shelfstack ftp adduser` needs no restart); anonymous logins are
 * refused; each finished upload is handed to the Ingest, which routes it.
 */
export class FtpIngestServer {
  private server: FtpSrv | undefined;
  readonly ingest: Ingest;
  private readonly logger: Logger;

  constructor(private readonly opts: FtpIngestOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.ingest = new Ingest({ ...opts, logger: this.logger });
  }

  async start(): Promise<void> {
    await this.ingest.start();
    const tls = this.opts.tls
      ? { cert: await readFile(this.opts.tls.certFile), key: await readFile(this.opts.tls.keyFile) }
      : false;
    const signals = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;
    const before = new Map(signals.map((sig) => [sig, new Set(process.listeners(sig))]));
    const server = new FtpSrv({
      url: `ftp://${this.opts.host}:${this.opts.port}`,
      pasv_url: this.opts.pasvUrl,
      pasv_min: this.opts.pasvMin,
      pasv_max: this.opts.pasvMax,
      anonymous: false,
      tls,
      greeting: 'shelfstack ingest',
      // ftp-srv logs through a bunyan-shaped logger; pino's API fits.
      // Its per-command errors (a refused write, say) are ours to report, so only warnings and up.
      log: refusalsAsInfo(this.logger.child({ component: 'ftp-srv' }, { level: this.logger.levelVal > this.logger.levels.values.warn! ? this.logger.level : 'warn' })),
    });
    // ftp-srv installs its own SIGTERM handler that exits the process: shutdown is ours (drain first).
    for (const sig of signals) for (const l of process.listeners(sig)) if (!before.get(sig)!.has(l)) process.off(sig, l);
    server.on('login', ({ connection, username, password }, resolve, reject) => {
      this.login(connection, username, password).then(resolve, (e: unknown) => {
        this.logger.warn({ user: username, ip: connection.ip, reason: (e as Error).message }, 'ftp_login_refused');
        reject(e as Error);
      });
    });
    server.on('client-error', ({ context, error }) => this.logger.warn({ context, reason: error?.message }, 'ftp_client_error'));
    await server.listen();
    this.server = server;
    this.logger.info({ host: this.opts.host, port: this.port, tls: Boolean(tls) }, 'ftp_started');
  }

  /** The port listened on (the real one when started with port 0). */
  get port(): number {
    const address = (this.server as unknown as { server?: { address(): { port: number } | null } })?.server?.address();
    return address?.port ?? this.opts.port;
  }

  /** Stops accepting connections, then waits for the upload being routed. */
  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
    await this.ingest.stop();
    this.logger.info('ftp_stopped');
  }

  private async login(connection: FtpConnection, username: string, password: string): Promise<{ fs: FileSystem }> {
    if (REFUSED_USERS.has(username.toLowerCase())) throw new LoginRefused('anonymous login is not allowed');
    // With a certificate configured, passwords never cross the network in clear.
    if (this.opts.tls && !connection.secure) throw new LoginRefused('log in over FTPS (AUTH TLS)');
    const user = (await loadUsers(this.opts.usersFile)).find((u) => u.user === username);
    // Verify against a dummy hash when the user is unknown, so timing does not tell which names exist.
    const ok = await verifyPassword(password, user?.hash ?? DUMMY_HASH);
    if (!user || !ok) throw new LoginRefused('wrong user name or password');
    const home = path.join(this.opts.dir, 'homes', user.user);
    for (const folder of WRITABLE[user.role]) await mkdir(path.join(home, folder), { recursive: true });
    const receive = (relPath: string) =>
      new UploadStream(this.ingest.newUploadFile(), async (file) => {
        try {
          await this.ingest.accept(file, { user: user.user, role: user.role, relPath });
        } catch (e: unknown) {
          // The client is answered 550 with this: the upload was not taken, and it knows.
          this.logger.error({ user: user.user, path: relPath, reason: (e as Error).message }, 'ftp_accept_failed');
          throw new Error(`upload of ${relPath} not stored, send it again`, { cause: e });
        }
      });
    const fs = new RoleFileSystem(connection, home, user.role, receive);
    this.logger.info({ user: user.user, role: user.role, ip: connection.ip }, 'ftp_login');
    return { fs };
  }
}

const DUMMY_HASH = 'scrypt$16384$8$1$c2hlbGZzdGFja2R1bW15$3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** What a client asked for that does not exist (curl's CWD probe before MKD, say): its 550 says it all. */
function isClientRefusal(e: unknown): e is Error & { code?: string } {
  // Duck-typed: fs's errors may come from another realm than this module's Error (jest's sandbox).
  return typeof e === 'object' && e !== null && typeof (e as Error).message === 'string' && (['ENOENT', 'ENOTDIR', 'EEXIST'].includes((e as { code?: string }).code ?? '') || /^Not a valid directory/.test((e as Error).message));
}

/**
 * ftp-srv logs every refused command with `log.error(err)` (a stack trace at ERROR): those that
 * only answer the client's own request become one `ftp_command_refused` line at info, no stack.
 * Its per-connection children get the same treatment.
 */
function refusalsAsInfo(log: Logger): Logger {
  return new Proxy(log, {
    get(target, prop, receiver) {
      if (prop === 'child') return (...args: Parameters<Logger['child']>) => refusalsAsInfo(target.child(...args) as unknown as Logger);
      if (prop === 'error') {
        return (obj: unknown, ...rest: unknown[]) =>
          isClientRefusal(obj) ? target.info({ reason: obj.message, code: obj.code }, 'ftp_command_refused') : (target.error as (...a: unknown[]) => void)(obj, ...rest);
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
