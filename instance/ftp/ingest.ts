import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { uploadFile } from '../../cloud/s3-upload';
import { routeUpload, type FtpRole } from '../../core/ftp-ingest';
import { formatChunkKey } from '../../core/keys';
import { chunkFileProblem } from '../chunk-file';
import { silentLogger, type Logger } from '../logger';

export interface IngestOptions {
  s3: S3Client;
  bucket: string;
  /** The FTP server's data folder: spool/ and quarantine/ live here, on the same filesystem as the homes. */
  dir: string;
  /** rsync destination of the master copy (`replserver:/srv/www-master` or a local folder); samples and podcasts go there. */
  replMaster?: string;
  /** Pause before retrying pending work after a failure. */
  retryMs?: number;
  /** Why the destination cannot store this chunk key, if it cannot (the rehearsal's S3 emulator has limits S3 has not): quarantined with that reason. */
  refuseKey?: (key: string) => string | undefined;
  logger?: Logger;
}

interface SpoolMeta {
  user: string;
  role: FtpRole;
  relPath: string;
  receivedAt: string;
}

/**
 * Routes finished uploads. Each upload is written to a file of its own under incoming/, then
 * moved (renamed) into a spool entry with who sent it and where, before the client is told 226,
 * so a crash or restart loses nothing acknowledged: start() resumes whatever the spool holds.
 * Entries are spooled and routed in the order their uploads completed, so of two uploads of one
 * name the later completed one lands last, whole. An entry leaves the spool only when its
 * destination confirmed (S3 upload done, rsync exit 0) or when it has been quarantined with its
 * reason (quarantine/<id>/reason.txt beside quarantine/<id>/upload/<file>).
 */
export class Ingest {
  private readonly spool: string;
  private readonly quarantine: string;
  private readonly incoming: string;
  private readonly logger: Logger;
  private chain: Promise<void> = Promise.resolve();
  private intake: Promise<unknown> = Promise.resolve();
  /** Destinations whose older entry failed: newer entries for them wait in the spool behind it. */
  private readonly waiting = new Set<string>();
  private sequence = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly opts: IngestOptions) {
    this.spool = path.join(opts.dir, 'spool');
    this.quarantine = path.join(opts.dir, 'quarantine');
    this.incoming = path.join(opts.dir, 'incoming');
    this.logger = opts.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    await mkdir(this.spool, { recursive: true });
    await mkdir(this.quarantine, { recursive: true });
    // What an earlier run left here was never acknowledged (226 follows the spooling).
    await rm(this.incoming, { recursive: true, force: true });
    await mkdir(this.incoming, { recursive: true });
    this.running = true;
    await this.resume(true);
  }

  /** Stops retrying and waits for the entry in hand. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    await this.chain;
  }

  /** A new file for one upload to be written into (same filesystem as the spool and the homes). */
  newUploadFile(): string {
    return path.join(this.incoming, `${randomBytes(8).toString('hex')}.part`);
  }

  /**
   * Takes a finished upload (a file from newUploadFile) into the spool, in completion order, and
   * starts routing it: resolves once it is spooled, with `routed` settling after its route.
   * A partner's shared file goes to its name in the home instead (the later completed one wins).
   */
  accept(file: string, meta: Omit<SpoolMeta, 'receivedAt'>): Promise<{ routed: Promise<void> }> {
    const spooled = this.intake.then(() => this.spoolOne(file, meta));
    this.intake = spooled.catch(() => undefined);
    return spooled;
  }

  private async spoolOne(file: string, meta: Omit<SpoolMeta, 'receivedAt'>): Promise<{ routed: Promise<void> }> {
    if (routeUpload(meta.role, meta.relPath).kind === 'keep') {
      const target = path.join(this.opts.dir, 'homes', meta.user, meta.relPath);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(file, target);
      this.logger.info({ user: meta.user, path: meta.relPath }, 'ftp_shared_upload_kept');
      return { routed: Promise.resolve() };
    }
    // Names sort in arrival order, also within one millisecond: resume() routes them in that order.
    const id = `${Date.now().toString(36)}-${String(this.sequence++ % 1e6).padStart(6, '0')}-${randomBytes(3).toString('hex')}`;
    const building = path.join(this.spool, `${id}.tmp`);
    try {
      await mkdir(building);
      await writeFile(path.join(building, 'meta.json'), JSON.stringify({ ...meta, receivedAt: new Date().toISOString() }));
      await rename(file, path.join(building, 'data'));
      await rename(building, path.join(this.spool, id));
    } catch (e: unknown) {
      await rm(building, { recursive: true, force: true });
      throw e;
    }
    this.logger.info({ user: meta.user, path: meta.relPath, entry: id }, 'ftp_upload_received');
    return { routed: this.enqueue(id) };
  }

  /**
   * Routes every spool entry in arrival order, in the routing chain, so nothing newer for a
   * destination can overtake an older entry being retried. At start (and only then: later a
   * `.tmp` may be an upload being spooled right now) it also finishes what a crash left half-built.
   */
  resume(atStart = false): Promise<void> {
    const next = this.chain.then(async () => {
      this.waiting.clear();
      if (atStart) for (const name of await readdir(this.spool)) if (name.endsWith('.tmp')) await this.finishTmp(name);
      for (const name of (await readdir(this.spool)).sort()) if (!name.endsWith('.tmp')) await this.route(name);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Entries are routed one at a time, in arrival order. */
  private enqueue(id: string): Promise<void> {
    const next = this.chain.then(() => this.route(id));
    this.chain = next.catch(() => undefined);
    return next;
  }

  // A crash between building and publishing an entry: publish it if the data made it in, else drop it.
  private async finishTmp(name: string): Promise<void> {
    const dir = path.join(this.spool, name);
    try {
      await stat(path.join(dir, 'data'));
      await rename(dir, dir.slice(0, -'.tmp'.length));
    } catch {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async route(id: string): Promise<void> {
    const entry = path.join(this.spool, id);
    let meta: SpoolMeta;
    try {
      meta = JSON.parse(await readFile(path.join(entry, 'meta.json'), 'utf8')) as SpoolMeta;
    } catch {
      return; // already routed by an earlier pass
    }
    const data = path.join(entry, 'data');
    const route = routeUpload(meta.role, meta.relPath);
    const destination = route.kind === 'chunk' ? formatChunkKey(route) : route.kind === 'replicate' ? `rsync:${route.relPath}` : undefined;
    if (destination && this.waiting.has(destination)) {
      // Routed after the older one, at the next retry: the later upload must land last.
      this.logger.info({ entry: id, path: meta.relPath }, 'ftp_upload_waits_for_older');
      return;
    }
    try {
      if (route.kind === 'quarantine') return await this.toQuarantine(id, meta, route.reason);
      if (route.kind === 'keep') return; // accept() never spools a partner's shared files
      if (route.kind === 'replicate') {
        await this.replicate(data, route.relPath);
        await rm(entry, { recursive: true, force: true });
        this.logger.info({ user: meta.user, path: meta.relPath }, 'ftp_replicated');
        return;
      }
      const problem = (await chunkFileProblem(data)) ?? this.opts.refuseKey?.(formatChunkKey(route));
      if (problem) return await this.toQuarantine(id, meta, problem);
      const key = formatChunkKey(route);
      await uploadFile(this.opts.s3, { bucket: this.opts.bucket, key, path: data, contentType: 'audio/mpeg' });
      // Only now that S3 has confirmed the upload does the local copy go.
      await rm(entry, { recursive: true, force: true });
      this.logger.info({ user: meta.user, key }, 'ftp_chunk_stored');
    } catch (e: unknown) {
      if (destination) this.waiting.add(destination);
      this.logger.error({ entry: id, path: meta.relPath, reason: (e as Error).message }, 'ftp_route_failed_will_retry');
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (!this.running || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) this.resume().catch((e: unknown) => this.logger.error({ reason: (e as Error).message }, 'ftp_resume_failed'));
    }, this.opts.retryMs ?? 30_000);
  }

  private async toQuarantine(id: string, meta: SpoolMeta, reason: string): Promise<void> {
    const target = path.join(this.quarantine, id);
    // The upload in a folder of its own: whatever its name (reason.txt included), it never meets the reason.
    await mkdir(path.join(target, 'upload'), { recursive: true });
    await writeFile(path.join(target, 'reason.txt'), `${reason}\nuser: ${meta.user}\npath: ${meta.relPath}\nreceived: ${meta.receivedAt}\n`);
    await rename(path.join(this.spool, id, 'data'), path.join(target, 'upload', path.basename(meta.relPath)));
    await rm(path.join(this.spool, id), { recursive: true, force: true });
    this.logger.warn({ user: meta.user, path: meta.relPath, reason, quarantined: target }, 'ftp_upload_quarantined');
  }

  private replicate(file: string, relPath: string): Promise<void> {
    const master = this.opts.replMaster;
    if (!master) return Promise.reject(new Error('no replication master configured (SHELFSTACK_REPL_MASTER)'));
    const dest = `${master.replace(/\/+$/, '')}/${relPath}`;
    return new Promise((resolve, reject) => {
      // --mkpath creates the folders on the master; --partial-dir keeps half-sent files out of sight.
      const child = spawn('rsync', ['--mkpath', '--times', '--chmod=F644', '--partial-dir=.rsync-partial', file, dest], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`rsync exited ${code}: ${err.trim().split('\n')[0]}`))));
    });
  }
}
