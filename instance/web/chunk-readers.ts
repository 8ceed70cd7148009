import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Fill } from './fill';
import type { ByteRange } from './http-ranges';
import { ResponseWriter } from './response-writer';

/** Where a response's bytes come from, chosen before any header is sent (so origin trouble can still be a 502/503). */
export interface ChunkReader {
  source: 'hit' | 'miss' | 'origin';
  /** Streams the range into `res` and ends it; resolves early if the customer goes away. */
  pipeTo(res: ServerResponse, onBytes: (n: number) => void): Promise<void>;
}

export const READ_SIZE = 64 * 1024;

/** A hit: the cached file, read into the response's two buffers. */
export function fileReader(filePath: string, range: ByteRange): ChunkReader {
  return {
    source: 'hit',
    async pipeTo(res, onBytes) {
      const fh = await open(filePath, 'r');
      const out = new ResponseWriter(res, READ_SIZE);
      try {
        for (let pos = range.start; pos <= range.end && !out.closed; ) {
          const buf = await out.buffer();
          const n = (await fh.read(buf, 0, Math.min(READ_SIZE, range.end + 1 - pos), pos)).bytesRead;
          if (n <= 0) throw new Error('cached chunk shorter than its manifest size');
          out.send(n);
          onBytes(n);
          pos += n;
        }
        await out.end();
      } finally {
        await fh.close();
      }
    },
  };
}

/**
 * A miss: the fill's bytes as they arrive, or its temp file for a customer who fell behind.
 * When the disk gave up mid-fill the rest comes from S3 (`fromOrigin`); when S3 failed, the
 * response is broken off.
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
          const limit = fill.readable();
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
            await fill.progress(pos);
          }
        }
      } finally {
        fill.release();
      }
      await out.end();
    },
  };
}
