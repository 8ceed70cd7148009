import { createServer, type IncomingMessage, type Server } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { ConfigError, ValidationError } from '../../core/errors';
import { assertChunk } from '../../core/keys';
import type { CacheControl } from '../cache-control';
import type { Logger } from '../logger';

/**
 * The web server's admin endpoints, on a listener of their own at the loopback address
 * `SHELFSTACK_CACHE_ADMIN_URL` names (`instance/cache-admin-client.ts` is the other side):
 * `POST /admin/cache/sweep` → the SweepResult as JSON; `POST /admin/cache/invalidate` with
 * `{"book","file"}` → `{"removed": boolean}`. Nothing else is served there.
 */
const VARIABLE = 'SHELFSTACK_CACHE_ADMIN_URL';
const MAX_BODY_BYTES = 16 * 1024;

export interface RunningAdmin {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** True for 127.0.0.0/8 and ::1, in either socket notation. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return (isIP(v4) === 4 && v4.startsWith('127.')) || address === '::1';
}

/** The exact host and port to bind; a ConfigError naming the variable when it is not a loopback http URL. */
export function adminAddress(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(VARIABLE, `is not a URL (got ${JSON.stringify(url)})`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (parsed.protocol !== 'http:' || !(host === 'localhost' || isLoopback(host))) {
    throw new ConfigError(VARIABLE, `must be an http URL on loopback (got ${JSON.stringify(url)})`);
  }
  if (parsed.pathname !== '/' || parsed.search || parsed.username) {
    throw new ConfigError(VARIABLE, `must be http://HOST:PORT with no path (got ${JSON.stringify(url)})`);
  }
  // No port is port 80, as the client reads it.
  return { host, port: parsed.port === '' ? 80 : Number(parsed.port) };
}

class HttpFault extends Error {
  override name = 'HttpFault';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const ROUTES: Record<string, (cache: CacheControl, body: Record<string, unknown>) => Promise<object>> = {
  '/admin/cache/sweep': (cache) => cache.sweep(),
  '/admin/cache/invalidate': async (cache, body) => {
    if (typeof body.book !== 'string' || typeof body.file !== 'string') throw new ValidationError('the body needs "book" and "file" strings');
    const { book, file } = assertChunk({ book: body.book, file: body.file });
    return { removed: await cache.invalidate(book, file) };
  },
};

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_BODY_BYTES) return reject(new HttpFault(413, `body over ${MAX_BODY_BYTES} bytes`));
      parts.push(d);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8').trim();
      let value: unknown;
      try {
        value = text === '' ? {} : JSON.parse(text);
      } catch {
        return reject(new ValidationError('the body is not JSON'));
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return reject(new ValidationError('the body is not a JSON object'));
      resolve(value as Record<string, unknown>);
    });
  });
}

export function buildAdminServer(cache: CacheControl, logger: Logger): Server {
  const handle = async (req: IncomingMessage): Promise<object> => {
    if (!isLoopback(req.socket.remoteAddress)) throw new HttpFault(403, 'admin endpoints answer loopback only');
    const path = (req.url ?? '/').split('?')[0]!;
    const route = ROUTES[path];
    if (!route) throw new HttpFault(404, 'not found');
    if (req.method !== 'POST') throw new HttpFault(405, 'method not allowed', { Allow: 'POST' });
    return route(cache, await readJson(req));
  };
  return createServer({ headersTimeout: 5_000, requestTimeout: 10_000 }, (req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    handle(req)
      .then(
        (result) => ({ status: 200, headers: {}, body: result }),
        (e: unknown) => {
          const status = e instanceof HttpFault ? e.status : e instanceof ValidationError ? 400 : 500;
          if (status >= 500) logger.error({ path, err_name: (e as Error).name, reason: (e as Error).message }, 'cache_admin_failed');
          return { status, headers: e instanceof HttpFault ? e.headers : {}, body: { error: status >= 500 ? 'internal error' : (e as Error).message } };
        },
      )
      .then(({ status, headers, body }) => {
        // A refused request's body is not read: close the connection rather than drain it.
        if (status !== 200 && !req.complete) res.setHeader('Connection', 'close');
        res.writeHead(status, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify(body));
        logger.info({ method: req.method, path, status, remote: req.socket.remoteAddress, ms: Math.round(performance.now() - started) }, 'cache_admin_request');
      });
  });
}

/** Binds exactly the host and port the URL names; a bind failure names the variable. */
export async function listenAdmin(url: string, cache: CacheControl, logger: Logger): Promise<RunningAdmin> {
  const { host, port } = adminAddress(url);
  const server = buildAdminServer(cache, logger);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new ConfigError(VARIABLE, `cannot be listened on (${url}): ${e.code ?? e.message}`)));
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  logger.info({ host, port: bound }, 'cache_admin_listening');
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Admin calls are short; one still running at shutdown is cut (the agent retries its signal).
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}
