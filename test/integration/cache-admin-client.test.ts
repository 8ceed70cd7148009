import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CacheAdminClient } from '../../instance/cache-admin-client';

let server: Server;
let base: string;
const calls: { url: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls.push({ url: `${req.method} ${req.url}`, body });
      if (req.url === '/admin/cache/sweep') res.end(JSON.stringify({ removedFiles: 2, freedBytes: 10, cacheBytes: 5 }));
      else if (req.url === '/admin/cache/invalidate') res.end(JSON.stringify({ removed: true }));
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the agent\'s way to the web server\'s cache', () => {
  it('posts sweep and invalidate (with the exact book and file) to the loopback admin endpoints', async () => {
    const cache = new CacheAdminClient(base);
    await expect(cache.sweep()).resolves.toEqual({ removedFiles: 2, freedBytes: 10, cacheBytes: 5 });
    await expect(cache.invalidate('B1', 'red flower+1.mp3')).resolves.toBe(true);
    expect(calls).toEqual([
      { url: 'POST /admin/cache/sweep', body: '{}' },
      { url: 'POST /admin/cache/invalidate', body: JSON.stringify({ book: 'B1', file: 'red flower+1.mp3' }) },
    ]);
  });

  it('refuses an admin URL off loopback', () => {
    expect(() => new CacheAdminClient('http://10.0.0.5:8080')).toThrow(/loopback/);
  });
});
