import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { formatChunkKey, type ChunkRef } from '../../core/keys';
import { bareEtag, type ManifestChunk } from '../../core/manifest';
import { isNotFound } from '../../cloud/s3';
import { OriginError } from './errors';
import type { ByteRange } from './http-ranges';
import type { WebMetrics } from './metrics';

/** Reads chunks from S3: the whole object for a fill, or a byte range for a Range request on a miss. */
export interface OriginOptions {
  s3: S3Client;
  bucket: string;
  metrics?: WebMetrics;
  /** Time allowed for S3's response headers. */
  firstByteTimeoutMs?: number;
  /** A body that sends nothing for this long is abandoned. */
  idleTimeoutMs?: number;
}

export interface OriginBody {
  body: Readable;
  /** Stops the transfer (the body then errors). */
  abort(): void;
}

export class Origin {
  constructor(private readonly opts: OriginOptions) {}

  /**
   * Opens the chunk, checking that S3 holds the version the manifest describes (size and ETag):
   * a mismatch means the manifest is behind, and the bytes must not be served under its ETag.
   */
  async open(ref: ChunkRef, chunk: ManifestChunk, range?: ByteRange): Promise<OriginBody> {
    const abort = new AbortController();
    const firstByte = setTimeout(() => abort.abort(new OriginError('S3 response timed out', true)), this.opts.firstByteTimeoutMs ?? 10_000);
    const started = performance.now();
    let res;
    try {
      res = await this.opts.s3.send(
        new GetObjectCommand({
          Bucket: this.opts.bucket,
          Key: formatChunkKey(ref),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
        { abortSignal: abort.signal },
      );
    } catch (e: unknown) {
      if (abort.signal.aborted) throw abort.signal.reason;
      if (isNotFound(e)) throw new OriginError(`chunk missing in S3: ${ref.book}/${ref.file}`, true, { cause: e });
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw new OriginError(`S3 GET failed: ${(e as Error).message}`, status === undefined || status >= 500 || status === 429, { cause: e });
    } finally {
      clearTimeout(firstByte);
    }
    this.opts.metrics?.originLatency.observe({ kind: range ? 'range' : 'fill' }, (performance.now() - started) / 1000);
    const body = res.Body as Readable;
    const expectedLength = range ? range.end - range.start + 1 : chunk.size;
    if (bareEtag(res.ETag ?? '') !== chunk.etag || res.ContentLength !== expectedLength) {
      body.destroy();
      throw new OriginError(`S3 holds another version of ${ref.book}/${ref.file} than the manifest`, true);
    }
    // A pass-through that re-arms the stall timer per chunk. (A 'data' listener on the SDK's body
    // would set it flowing before the caller reads, and drop the first chunks.)
    const idleMs = this.opts.idleTimeoutMs ?? 30_000;
    const watched = new Transform({
      transform(chunk, _encoding, done) {
        idle.refresh();
        done(null, chunk);
      },
    });
    const idle = setTimeout(() => watched.destroy(new OriginError('S3 body stalled', true)), idleMs);
    watched.once('close', () => clearTimeout(idle));
    pipeline(body, watched).catch((e: unknown) => watched.destroy(e instanceof Error ? e : new Error(String(e))));
    return { body: watched, abort: () => watched.destroy(new OriginError('origin transfer aborted', true)) };
  }
}
