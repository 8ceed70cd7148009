import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { formatChunkKey, type ChunkRef } from '../../core/keys';
import { bareEtag, type ManifestChunk } from '../../core/manifest';
import { isNotFound } from '../../cloud/s3';
import { createDigest, expectedDigest, type ChunkDigest, type OriginChecksum } from './chunk-digest';
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
  /** S3's checksum of the whole object, on a whole GET (S3 returns none for a Range). */
  checksum: OriginChecksum;
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
      const get = new GetObjectCommand({
        Bucket: this.opts.bucket,
        Key: formatChunkKey(ref),
        Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        // The stored checksum, to verify the bytes with (see chunk-digest.ts).
        ChecksumMode: range ? undefined : 'ENABLED',
      });
      // With ChecksumMode the SDK checks a FULL_OBJECT checksum too, at the body's end (its
      // error is classed as a mismatch, see isSdkChecksumMismatch); the fill's own check also
      // covers ETag-only chunks and whole GETs outside a fill.
      res = await this.opts.s3.send(get, { abortSignal: abort.signal });
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
    return {
      body: watched,
      checksum: { crc32: res.ChecksumCRC32, type: res.ChecksumType },
      abort: () => watched.destroy(new OriginError('origin transfer aborted', true)),
    };
  }

  /**
   * What a whole body from `open` is checked with. A multipart ETag needs the part size, which
   * S3 gives as the length of part 1 (parts are equal but the last): one HEAD of that version.
   */
  async digestFor(ref: ChunkRef, chunk: ManifestChunk, opened: OriginBody): Promise<ChunkDigest> {
    const expected = expectedDigest(chunk, opened.checksum);
    if (!expected) throw new OriginError(`no checksum or MD5 ETag to verify ${ref.book}/${ref.file} with (ETag ${chunk.etag})`, false);
    if (expected.kind !== 'md5-parts') return createDigest(expected);
    let head;
    try {
      head = await this.opts.s3.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: formatChunkKey(ref), PartNumber: 1, IfMatch: `"${chunk.etag}"` }), {
        abortSignal: AbortSignal.timeout(this.opts.firstByteTimeoutMs ?? 10_000),
      });
    } catch (e: unknown) {
      throw new OriginError(`S3 HEAD of part 1 failed: ${(e as Error).message}`, true, { cause: e });
    }
    const partSize = head.ContentLength ?? 0;
    if (head.PartsCount !== expected.parts || partSize <= 0 || Math.ceil(chunk.size / partSize) !== expected.parts) {
      throw new OriginError(`S3 describes the parts of ${ref.book}/${ref.file} unlike its ETag (${head.PartsCount} parts of ${partSize})`, true);
    }
    return createDigest(expected, partSize);
  }
}
