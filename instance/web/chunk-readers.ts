import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Fill } from './fill';
import type { ByteRange } from './http-ranges';
import { ResponseWriter } from './response-writer';
import type { ChunkDigest } from './chunk-digest';
import { OriginError } from './errors';
import type { OriginBody } from './origin';

/** Where a response's bytes come from, chosen before any header is sent (so origin trouble can still be a 502/503). */
export interface ChunkReader {
  source: 'hit' | 'miss' | 'origin';
  /** Streams the range into `res` and ends it; resolves early if the customer goes away. */
  pipeTo(res: ServerResponse, onBytes: (n: number) => void): Promise<void>;
}

export const READ_SIZE = 64 * 1024;

/**
 * The read size of a hit: large while few hits stream at once (each read is a trip through
 * libuv's thread pool, and at 64 KB those trips, not the disk or the socket, capped a hit at
 * ~0.4x nginx), smaller as more stream, so that the hits' buffers (two per response) stay
 * within HIT_BUFFER_BUDGET together: 256 KB each up to 16 hits, 128 KB at 32, 64 KB from 64
 * (larger reads gained nothing measurable here and raised the peak RSS under wrk to ~147 MB).
 */
const HIT_BUFFER_BUDGET = 8 * 1024 * 1024;
const MAX_HIT_READ = 256 * 1024;
let streamingHits = 0;

export function hitReadSize(active: number): number {
  const share = Math.floor(HIT_BUFFER_BUDGET / 2 / Math.max(1, active));
  return Math.max(READ_SIZE, Math.min(MAX_HIT_READ, 2 ** Math.floor(Math.log2(share))));
}

/** A hit: the cached file, read into the response's two buffers. */
export function fileReader(filePath: string, range: ByteRange): ChunkReader {
  return {
    source: 'hit',
    async pipeTo(res, onBytes) {
      const fh = await open(filePath, 'r');
      const readSize = hitReadSize(++streamingHits);
      const out = new ResponseWriter(res, readSize);
      try {
        for (let pos = range.start; pos <= range.end && !out.closed; ) {
          const buf = await out.buffer();
          const n = (await fh.read(buf, 0, Math.min(readSize, range.end + 1 - pos), pos)).bytesRead;
          if (n <= 0) throw new Error('cached chunk shorter than its manifest size');
          out.send(n);
          onBytes(n);
          pos += n;
        }
        await out.end();
      } finally {
        streamingHits--;
        await fh.close();
      }
    },
  };
}

/**
 * A miss: the fill's bytes as they arrive, or its temp file for a customer who fell behind.
 * When the disk gave up mid-fill the rest comes from S3 (`fromOrigin`); when S3 failed or the
 * bytes failed their check, the response is broken off before its last byte.
 */
export function fillReader(fill: Fill, range: ByteRange, fromOrigin: (rest: ByteRange) => Promise<ChunkReader>): ChunkReader {
  return {
    source: 'miss',
    async pipeTo(res, onBytes) {
      fill.acquire();
      const out = new ResponseWriter(res, READ_SIZE);
      let pos = range.start;
      try {
        while (pos <= range.end && !out.closed) {
          // A response's last byte waits until the whole chunk passed its checks, a 206 too.
          const limit = fill.verified ? fill.readable() : Math.min(fill.readable(), range.end);
          if (pos < limit) {
            const want = Math.min(READ_SIZE, limit - pos, range.end + 1 - pos);
            // At the head of the fill the bytes are still in memory; behind it, in the temp file.
            const shared = fill.share(pos, want);
            let n: number;
            if (shared) {
              if (!(await out.sendShared(shared))) break;
              n = shared.bytes.length;
            } else {
              const buf = await out.buffer();
              n = await fill.read(buf, want, pos);
              if (n <= 0) throw new Error('temp file shorter than written');
              out.send(n);
            }
            onBytes(n);
            pos += n;
          } else if (fill.error) {
            throw fill.error;
          } else if (fill.diskRefused) {
            // The disk gave up mid-fill: the rest comes straight from S3 for this customer.
            await out.settle();
            return await (await fromOrigin({ start: pos, end: range.end })).pipeTo(res, onBytes);
          } else {
            await fill.progress(pos, range.end);
          }
        }
      } finally {
        fill.release();
      }
      await out.end();
    },
  };
}

/**
 * A whole S3 body, hashed from its first byte, of which the bytes from `from` on are sent; the
 * chunk's last byte is held until the check passed, so a corrupt body never ends complete.
 */
export async function sendVerified(
  source: OriginBody,
  digest: ChunkDigest,
  from: number,
  size: number,
  res: ServerResponse,
  onBytes: (n: number) => void,
): Promise<void> {
  let at = 0;
  let held: Buffer | undefined;
  try {
    for await (const piece of source.body as AsyncIterable<Buffer>) {
      digest.update(piece);
      const end = at + piece.length;
      if (end > from) {
        let send = piece.subarray(Math.max(0, from - at));
        if (end === size) {
          held = Buffer.from(send.subarray(send.length - 1));
          send = send.subarray(0, send.length - 1);
        }
        if (send.length) {
          onBytes(send.length);
          if (!res.write(send)) await drained(res);
        }
      }
      at = end;
      if (res.destroyed) {
        source.abort();
        return;
      }
    }
  } catch (e: unknown) {
    res.destroy(e instanceof Error ? e : new Error(String(e)));
    return;
  }
  if (at !== size || !held || !digest.matches()) {
    res.destroy(new OriginError(`S3 body of ${size} bytes failed its ${digest.kind} check`, true));
    return;
  }
  onBytes(1);
  res.end(held);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}
