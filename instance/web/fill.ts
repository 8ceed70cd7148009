import { unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ChunkRef } from '../../core/keys';
import type { ManifestChunk } from '../../core/manifest';
import { CacheDiskError, OriginError, isDiskRefusal } from './errors';
import type { Origin, OriginBody } from './origin';
import { FillWindow, type SharedBytes } from './fill-window';
import type { OpenTempFile, TempFile } from './temp-file';
import { isSdkChecksumMismatch, type ChunkDigest } from './chunk-digest';

export type FillOutcome = 'cached' | 'origin_failed' | 'disk_refused' | 'mismatch';

/**
 * One S3 GET of a whole chunk into a temp file, shared by every customer who asks for the chunk
 * meanwhile. Customers keeping up with S3 are sent the bytes as they arrive, from a short window
 * kept in memory (the same slabs for all of them, no copy per customer); one who falls behind it
 * reads the temp file instead, so a slow customer never slows the fill or the others and none
 * holds the chunk in memory. The file is renamed into the cache only when its size matches the
 * manifest and its bytes S3's checksum or ETag (chunk-digest.ts). A fill runs to its end even
 * when every customer left.
 */
export class Fill {
  /** Bytes of the chunk received from S3 so far. */
  arrived = 0;
  /** Bytes of the chunk written to the temp file so far; everything below the window is. */
  written = 0;
  /** The bytes passed the size and checksum checks: the last byte may go out. */
  verified = false;
  /** Set when the fill stopped for good; `diskRefused` readers continue from S3 themselves. */
  outcome: FillOutcome | undefined;
  diskRefused = false;
  error: Error | undefined;
  /** Settles when S3 answered with the manifest's chunk (or the disk refused first); rejects with an OriginError. */
  readonly ready: Promise<void>;
  readonly done: Promise<FillOutcome>;

  private file: TempFile | undefined;
  /** The latest bytes from S3, up to `arrived`; those not yet written are always in it. */
  private readonly window = new FillWindow(WINDOW_BYTES);
  private readers = 0;
  private closed = false;
  private wakeups: (() => void)[] = [];
  private signalReady!: (e?: Error) => void;

  constructor(
    readonly ref: ChunkRef,
    readonly chunk: ManifestChunk,
    private readonly tempPath: string,
    private readonly publish: (tempPath: string) => Promise<void>,
    private readonly deps: { origin: Origin; openTemp: OpenTempFile },
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.signalReady = (e) => (e ? reject(e) : resolve());
    });
    this.ready.catch(() => undefined);
    this.done = this.run().finally(() => this.maybeClose());
  }

  /**
   * How far readers may read: everything received, except that the chunk's last byte waits for
   * the checks, so a customer never receives a complete-looking body that failed them.
   */
  readable(): number {
    return this.verified || this.diskRefused ? this.arrived : Math.min(this.arrived, this.chunk.size - 1);
  }

  /**
   * Up to `length` bytes from `position` out of the window in memory, shared and held until
   * released; undefined when the position has left the window: those bytes are in the temp file.
   */
  share(position: number, length: number): SharedBytes | undefined {
    return this.window.share(position, length);
  }

  /** Reads bytes below `written` from the temp file (open until the last reader lets go). */
  read(into: Buffer, length: number, position: number): Promise<number> {
    return this.file!.read(into, length, position);
  }

  acquire(): void {
    this.readers++;
  }

  release(): void {
    this.readers--;
    this.maybeClose();
  }

  /**
   * Resolves once more than `position` bytes are readable, or the fill has stopped; for the last
   * byte a response wants (`last`), once the whole chunk passed its checks.
   */
  progress(position: number, last = this.chunk.size - 1): Promise<void> {
    if ((this.readable() > position && (position < last || this.verified)) || this.outcome || this.diskRefused) return Promise.resolve();
    return new Promise((resolve) => this.wakeups.push(resolve));
  }

  private wake(): void {
    for (const w of this.wakeups.splice(0)) w();
  }

  private async run(): Promise<FillOutcome> {
    try {
      this.file = await this.deps.openTemp(this.tempPath);
    } catch (e: unknown) {
      return this.finish('disk_refused', new CacheDiskError(`cannot create temp file: ${(e as Error).message}`));
    }
    let source: OriginBody;
    try {
      source = await this.deps.origin.open(this.ref, this.chunk);
    } catch (e: unknown) {
      return this.finish('origin_failed', e instanceof OriginError ? e : new OriginError(String(e), true, { cause: e }));
    }
    let digest: ChunkDigest;
    try {
      digest = await this.deps.origin.digestFor(this.ref, this.chunk, source);
    } catch (e: unknown) {
      source.abort();
      return this.finish('origin_failed', e instanceof OriginError ? e : new OriginError(String(e), true, { cause: e }));
    }
    this.signalReady();
    try {
      const file = this.file;
      await drainInBatches(source.body as Readable, {
        arrived: (piece) => {
          digest.update(piece);
          const stored = this.window.store(piece);
          this.arrived += piece.length;
          this.window.trim(this.written);
          this.wake();
          return stored;
        },
        write: async (pieces, bytes) => {
          await file.write(pieces, this.written);
          this.written += bytes;
          this.window.trim(this.written);
        },
      });
    } catch (e: unknown) {
      source.abort();
      if (isDiskRefusal(e)) return this.finish('disk_refused', new CacheDiskError((e as Error).message));
      if (isSdkChecksumMismatch(e)) return this.finish('mismatch', new OriginError(`fill of ${this.ref.book}/${this.ref.file}: ${(e as Error).message}`, true, { cause: e }));
      return this.finish('origin_failed', e instanceof OriginError ? e : new OriginError(`S3 body failed: ${(e as Error).message}`, true, { cause: e }));
    }
    if (this.written !== this.chunk.size || !digest.matches()) {
      return this.finish('mismatch', new OriginError(`fill of ${this.ref.book}/${this.ref.file} does not match S3's ${digest.kind}`, true));
    }
    this.verified = true;
    this.wake();
    try {
      await this.file.datasync();
      await this.publish(this.tempPath);
    } catch (e: unknown) {
      // The customers already have every byte; only the cache copy is lost.
      return this.finish('disk_refused', new CacheDiskError((e as Error).message));
    }
    return this.finish('cached');
  }

  private async finish(outcome: FillOutcome, error?: Error): Promise<FillOutcome> {
    if (outcome === 'disk_refused') this.diskRefused = true;
    else this.error = error;
    if (outcome !== 'cached') await unlink(this.tempPath).catch(() => undefined);
    this.outcome = outcome;
    // A disk refusal before S3 answered still lets customers be served, straight from S3.
    this.signalReady(outcome === 'origin_failed' || outcome === 'mismatch' ? error : undefined);
    this.wake();
    return outcome;
  }

  private maybeClose(): void {
    if (this.readers > 0 || !this.outcome || this.closed || !this.file) return;
    this.closed = true;
    void this.file.close().catch(() => undefined);
  }
}

// Pause the origin once this much waits for the disk: a fill never holds more unwritten.
const MAX_PENDING_BYTES = 1024 * 1024;
// What a fill keeps in memory for the customers at its head (more while the disk lags behind).
const WINDOW_BYTES = 1024 * 1024;

/**
 * Hands each piece of a stream to `arrived` as it comes, and what that returns to `write` in
 * batches: whatever arrived while the previous write was in flight goes in the next one (one
 * writev). A fast origin is written in few large writes, a slow one piece by piece as it comes.
 */
function drainInBatches(
  body: Readable,
  to: { arrived: (piece: Buffer) => Buffer[]; write: (pieces: Buffer[], bytes: number) => Promise<void> },
): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending: Buffer[] = [];
    let bytes = 0;
    let writing = false;
    let ended = false;
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      body.destroy();
      reject(e);
    };
    const pump = async () => {
      if (writing || failed) return;
      writing = true;
      try {
        while (pending.length && !failed) {
          const batch = pending;
          const n = bytes;
          pending = [];
          bytes = 0;
          if (body.isPaused() && !ended) body.resume();
          await to.write(batch, n);
        }
      } catch (e: unknown) {
        fail(e);
        return;
      } finally {
        writing = false;
      }
      if (ended && !failed && pending.length === 0) resolve();
      else if (pending.length) void pump();
    };
    body.on('data', (d: Buffer) => {
      if (d.length === 0) return;
      // The stream's own buffer is let go at once: what is written is the window's copy.
      for (const stored of to.arrived(d)) pending.push(stored);
      bytes += d.length;
      if (bytes >= MAX_PENDING_BYTES) body.pause();
      void pump();
    });
    body.once('end', () => {
      ended = true;
      void pump();
    });
    body.once('error', fail);
    // Destroyed without an error (an abort): never leave the fill waiting for an end that won't come.
    body.once('close', () => {
      if (!ended) fail(new OriginError('S3 body closed before its end', true));
    });
  });
}
