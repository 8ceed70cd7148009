import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3ClientOptions } from '../../cloud/clients';
import { listAll } from '../../cloud/s3';
import { bookPrefix, formatManifestKey } from '../../core/keys';
import { buildManifest, serializeManifest } from '../../core/manifest';
import { signedPath } from '../../core/signing';
import type { Emulators } from './emulators';

export const SIGNING_KEY = 'test-signing-key-0123456789';

/**
 * A transparent HTTP proxy in front of the S3 emulator that counts the chunk GETs it forwards
 * and, on request, breaks them: the tests' view of "the origin".
 */
export interface CountingProxy {
  endpoint: string;
  /** GETs of `audiobooks/...` keys seen so far, by decoded key. */
  chunkGets: Map<string, number>;
  requests: number;
  /** Every chunk GET from now on sends this many body bytes, then the connection is reset. */
  resetAfterBytes: number | undefined;
  /** Chunk GETs wait for this before being forwarded (lets a test line up concurrent misses). */
  hold: Promise<void> | undefined;
  /** Every chunk GET from now on has the byte at this offset flipped (headers, ETag included, unchanged). */
  corruptAtByte: number | undefined;
  /** Chunk GET bodies are sent this slowly (bytes per 10 ms tick), for tests that need a fill in progress. */
  throttleBytesPer10ms: number | undefined;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const proxy: CountingProxy = {
    endpoint: '',
    chunkGets: new Map(),
    requests: 0,
    resetAfterBytes: undefined,
    hold: undefined,
    corruptAtByte: undefined,
    throttleBytesPer10ms: undefined,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  const server = http.createServer(async (req, res) => {
    proxy.requests++;
    const key = decodeURIComponent((req.url ?? '').split('?')[0]!.split('/').slice(2).join('/'));
    const isChunkGet = req.method === 'GET' && key.startsWith('audiobooks/');
    if (isChunkGet) {
      proxy.chunkGets.set(key, (proxy.chunkGets.get(key) ?? 0) + 1);
      if (proxy.hold) await proxy.hold;
    }
    const up = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        // A client that leaves ends the upstream transfer too, as a real connection would: else
        // the emulator's response of a large object waits for a reader that never comes.
        res.once('close', () => !res.writableFinished && ur.destroy());
        const resetAfter = isChunkGet ? proxy.resetAfterBytes : undefined;
        const throttle = isChunkGet ? proxy.throttleBytesPer10ms : undefined;
        const corruptAt = isChunkGet ? proxy.corruptAtByte : undefined;
        if (resetAfter === undefined && throttle === undefined && corruptAt === undefined) return void ur.pipe(res);
        let sent = 0;
        ur.on('data', (d: Buffer) => {
          if (corruptAt !== undefined && corruptAt >= sent && corruptAt < sent + d.length) {
            d = Buffer.from(d);
            d[corruptAt - sent] = d[corruptAt - sent]! ^ 0xff;
          }
          if (resetAfter !== undefined && sent + d.length >= resetAfter) {
            res.write(d.subarray(0, Math.max(0, resetAfter - sent)));
            ur.destroy();
            res.socket?.resetAndDestroy();
            return;
          }
          sent += d.length;
          res.write(d);
          if (throttle !== undefined) {
            ur.pause();
            // unref: a deliberately stalled body must not keep the test process alive.
            setTimeout(() => ur.resume(), Math.ceil((d.length / throttle) * 10)).unref();
          }
        });
        ur.on('end', () => res.end());
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** An S3 client that talks to the given endpoint (the counting proxy) with the emulator's settings. */
export function s3Via(endpoint: string): S3Client {
  return new S3Client({ ...s3ClientOptions(), endpoint, forcePathStyle: true, maxAttempts: 1 });
}

/** Uploads chunks of one book and writes its manifest as the listing function would. */
export async function putBook(emu: Emulators, book: string, chunks: Record<string, Buffer>): Promise<void> {
  for (const [file, body] of Object.entries(chunks)) {
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: `audiobooks/${book}/${file}`, Body: body }));
  }
  const manifest = buildManifest(book, await listAll(emu.s3, emu.bucket, bookPrefix(book)));
  await emu.s3.send(
    new PutObjectCommand({ Bucket: emu.bucket, Key: formatManifestKey(book), Body: serializeManifest(manifest!), ContentType: 'application/json' }),
  );
}

export async function addToListing(listingDir: string, book: string, files: string[]): Promise<void> {
  await mkdir(path.join(listingDir, book), { recursive: true });
  for (const f of files) await writeFile(path.join(listingDir, book, f), '');
}

export function randomChunk(bytes: number): Buffer {
  return randomBytes(bytes);
}

export function link(book: string, file: string, opts: { ttl?: number; key?: string; customer?: string } = {}): string {
  return signedPath(opts.key ?? SIGNING_KEY, { book, file }, Math.floor(Date.now() / 1000) + (opts.ttl ?? 3600), opts.customer);
}

export interface Fetched {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** False when the connection broke before the body was complete. */
  complete: boolean;
}

/** A raw HTTP request: the path goes on the wire exactly as given (no normalisation of `..`). */
export function fetchRaw(base: string, rawPath: string, opts: { method?: string; headers?: Record<string, string>; agent?: http.Agent } = {}): Promise<Fetched> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: rawPath, method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        const done = (complete: boolean) => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts), complete });
        res.on('end', () => done(res.complete));
        res.on('error', () => done(false));
        res.on('aborted', () => done(false));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Polls until `check` holds (or fails the test after `timeoutMs`). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
