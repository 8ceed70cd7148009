import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { S3Client } from '@aws-sdk/client-s3';
import { silentLogger, type Logger } from '../logger';
import { DiskCache } from './disk-cache';
import { directoryListing, parseDownloadPath, serveDownload, type DownloadNote, type HandOff, type Listing } from './download';
import { errorResponse } from './errors';
import { ManifestStore } from './manifests';
import { createWebMetrics, type WebMetrics } from './metrics';
import { Origin } from './origin';
import type { OpenTempFile } from './temp-file';

/** Everything the web server is built from; tests replace the seams (listing, openTemp, clock). */
export interface WebAppOptions {
  s3: S3Client;
  bucket: string;
  listingDir: string;
  cacheDir: string;
  cacheMaxBytes: number;
  cacheMaxAge: number;
  signingKey: string;
  signingKeyPrevious?: string;
  logger?: Logger;
  metrics?: WebMetrics;
  listing?: Listing;
  openTemp?: OpenTempFile;
  now?: () => number;
  originTimeouts?: { firstByteMs?: number; idleMs?: number };
  sweepIntervalMs?: number;
  /** The HTTP server's timeouts; the defaults are DOWNLOAD_TIMEOUTS (README, "Downloads"). */
  httpTimeouts?: Partial<HttpTimeouts>;
  /** Hand cache hits to nginx (X-Accel-Redirect) or Apache (X-Sendfile) in front; off by default. */
  handOff?: HandOff;
}

export interface HttpTimeouts {
  /** The request line and headers must arrive within this (a slow-headers client is cut with 408). */
  headersMs: number;
  /** The whole request (headers and body, never the response) must arrive within this. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** A connection on which no byte moved either way for this long (a customer who stopped reading) is closed. */
  stalledMs: number;
  /** How often Node checks the two request timeouts (its default, 30 s, would let 15 s become 45). */
  checkEveryMs: number;
}

/**
 * A download server's: headers quickly or not at all; downloads have no request body, so the
 * request timeout is short too; nothing limits how long the response takes (a 30 MB chunk to a
 * slow customer takes minutes), only how long it may make no progress at all.
 */
export const DOWNLOAD_TIMEOUTS: HttpTimeouts = { headersMs: 15_000, requestMs: 30_000, keepAliveMs: 5_000, checkEveryMs: 1_000, stalledMs: 120_000 };

export interface WebApp {
  /** Not listening: `lifecycle.ts` (or a test) calls listen. */
  server: Server;
  cache: DiskCache;
  metrics: WebMetrics;
  /** From now on /healthz answers 503 and responses close their connection. */
  startDraining(): void;
  readonly inFlight: number;
}

/** Builds the HTTP server of `shelfstack web`; `app.cache.start()` must run before it serves. */
export function buildWebApp(opts: WebAppOptions): WebApp {
  const logger = opts.logger ?? silentLogger;
  const metrics = opts.metrics ?? createWebMetrics();
  const manifests = new ManifestStore({ s3: opts.s3, bucket: opts.bucket, now: opts.now });
  const origin = new Origin({
    s3: opts.s3,
    bucket: opts.bucket,
    metrics,
    firstByteTimeoutMs: opts.originTimeouts?.firstByteMs,
    idleTimeoutMs: opts.originTimeouts?.idleMs,
  });
  const cache = new DiskCache({
    dir: opts.cacheDir,
    maxBytes: opts.cacheMaxBytes,
    maxAgeSeconds: opts.cacheMaxAge,
    origin,
    manifests,
    metrics,
    logger,
    openTemp: opts.openTemp,
    sweepIntervalMs: opts.sweepIntervalMs,
  });
  const downloads = {
    signingKeys: [opts.signingKey, opts.signingKeyPrevious].filter((k): k is string => Boolean(k)),
    listing: opts.listing ?? directoryListing(opts.listingDir),
    manifests,
    cache,
    now: opts.now,
    handOff: opts.handOff,
  };
  let draining = false;
  let inFlight = 0;

  async function route(req: IncomingMessage, res: ServerResponse, rawPath: string, query: URLSearchParams, note: DownloadNote) {
    if (rawPath === '/healthz') {
      const writable = await access(opts.cacheDir, constants.W_OK).then(
        () => true,
        () => false,
      );
      const status = draining ? 'draining' : writable ? 'ok' : 'cache_not_writable';
      res.writeHead(status === 'ok' ? 200 : 503, { 'Content-Type': 'text/plain' }).end(`${status}\n`);
      return;
    }
    if (rawPath === '/metrics') {
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      return;
    }
    const ref = parseDownloadPath(rawPath);
    if (!ref) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    note.book = ref.book;
    note.file = ref.file;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    await serveDownload(downloads, ref, query, req, res, note);
  }

  const timeouts = { ...DOWNLOAD_TIMEOUTS, ...opts.httpTimeouts };
  const serverOptions = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: timeouts.checkEveryMs,
  };
  const server: Server = createServer(serverOptions, (req, res) => {
    const started = performance.now();
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) ?? randomUUID();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    // The query holds the signature: only the path is ever logged.
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    let bytes = 0;
    const note: DownloadNote = {
      onBytes: (n) => {
        bytes += n;
        metrics.bytesServed.inc(n);
      },
    };
    inFlight++;
    if (draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      inFlight--;
      const status = res.statusCode;
      metrics.requests.inc({ status: String(status) });
      logger.info(
        {
          request_id: requestId,
          method: req.method,
          path: rawPath,
          status,
          bytes,
          ms: Math.round(performance.now() - started),
          completed: res.writableFinished,
          ...(note.book ? { book: note.book, file: note.file } : {}),
          ...(note.customer ? { customer: note.customer } : {}),
          ...(note.cache ? { cache: note.cache } : {}),
          remote: req.socket.remoteAddress,
        },
        'http_request',
      );
    });
    route(req, res, rawPath, query, note).catch((e: unknown) => {
      if (res.headersSent) {
        // Mid-body: the only honest signal left is a broken response (never a 200 that looks complete).
        logger.warn({ request_id: requestId, path: rawPath, reason: (e as Error).message }, 'download_aborted');
        res.destroy();
        return;
      }
      const answer = errorResponse(e);
      if (answer.status >= 500) {
        const named = note.book ? { book: note.book, file: note.file } : {};
        logger.error({ request_id: requestId, path: rawPath, ...named, err_name: (e as Error).name, reason: (e as Error).message }, 'request_failed');
      }
      for (const h of res.getHeaderNames()) if (h !== 'connection') res.removeHeader(h);
      res.writeHead(answer.status, { ...answer.headers, 'Content-Type': 'text/plain' }).end(req.method === 'HEAD' ? undefined : answer.body);
    });
  });

  // No 'timeout' listener: Node destroys a socket idle this long (any write or read restarts the clock).
  server.setTimeout(timeouts.stalledMs);

  return {
    server,
    cache,
    metrics,
    startDraining: () => {
      draining = true;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
