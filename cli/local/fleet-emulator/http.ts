import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One loopback HTTP server per service; the body is read whole (AWS requests here are small). */
export type Route = (req: IncomingMessage, body: string) => { status: number; body: string; headers?: Record<string, string> };

const MAX_BODY = 1 << 20;

export async function listen(host: string, port: number, route: Route, before: () => void, onError: (e: unknown) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let out: ReturnType<Route>;
      try {
        before();
        out = route(req, Buffer.concat(chunks).toString('utf8'));
      } catch (e: unknown) {
        // The routes answer every error of the request in AWS's shape; this is the emulator's own fault.
        onError(e);
        out = { status: 500, body: 'internal error\n', headers: { 'content-type': 'text/plain' } };
      }
      res.writeHead(out.status, { 'content-type': 'text/xml;charset=UTF-8', ...out.headers });
      res.end(out.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { server, url: `http://${shown}:${addr.port}` };
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
