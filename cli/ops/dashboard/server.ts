import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DashboardStatus } from './observe';
import { renderPage, renderStatus, SCRIPT } from './render';

export interface DashboardOptions {
  /** One reading of every source; never rejects (observeDashboard catches per source). */
  observe: () => Promise<DashboardStatus>;
  /** How often the page refreshes. */
  refreshMs: number;
  /** A reading younger than this is served again instead of observing anew. */
  reuseMs?: number;
  clock?: () => number;
}

export interface DashboardApp {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The latest reading: joins the one in flight, reuses a fresh one, or starts one. */
  current(): Promise<DashboardStatus>;
  /** How many observations have started (for the tests of "one at a time"). */
  observations(): number;
  close(): void;
}

const SECURITY = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

/**
 * The dashboard's HTTP app, without a port. One observation at a time: requests that arrive while
 * AWS is slow wait for the reading in flight instead of starting their own.
 */
export function buildDashboard(opts: DashboardOptions): DashboardApp {
  const clock = opts.clock ?? Date.now;
  const reuseMs = opts.reuseMs ?? 1000;
  let inFlight: Promise<DashboardStatus> | undefined;
  let last: { at: number; status: DashboardStatus } | undefined;
  let started = 0;
  let closing = false;

  const current = (): Promise<DashboardStatus> => {
    if (inFlight) return inFlight;
    if (last && clock() - last.at < reuseMs) return Promise.resolve(last.status);
    started++;
    inFlight = opts.observe().then(
      (status) => {
        last = { at: clock(), status };
        return status;
      },
    ).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { ...SECURITY, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) }).end(body);
  };

  async function route(req: IncomingMessage, res: ServerResponse) {
    // Only the path matters; a request line that is not one is the client's fault.
    const path = URL.canParse(req.url ?? '', 'http://dashboard') ? new URL(req.url ?? '', 'http://dashboard').pathname : undefined;
    if (path === undefined) return send(res, 400, 'text/plain; charset=utf-8', 'bad request\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    if (path === '/healthz') return send(res, closing ? 503 : 200, 'text/plain; charset=utf-8', closing ? 'closing\n' : 'ok\n');
    if (path === '/dashboard.js') return send(res, 200, 'text/javascript; charset=utf-8', SCRIPT);
    if (path === '/status.json') {
      const status = await current();
      return send(res, 200, 'application/json', JSON.stringify({ status, html: renderStatus(status) }));
    }
    if (path === '/') return send(res, 200, 'text/html; charset=utf-8', renderPage(await current(), opts.refreshMs));
    return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }

  return {
    handle(req, res) {
      route(req, res).catch((e: unknown) => {
        // observe() reports each source's failure inside the reading; reaching here is our own fault.
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy(e instanceof Error ? e : undefined);
      });
    },
    current,
    observations: () => started,
    close() {
      closing = true;
    },
  };
}

export interface RunningDashboard {
  url: string;
  app: DashboardApp;
  close(): Promise<void>;
}

export async function listenDashboard(app: DashboardApp, host: string, port: number): Promise<RunningDashboard> {
  const server: Server = createServer((req, res) => app.handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/`,
    app,
    async close() {
      app.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
