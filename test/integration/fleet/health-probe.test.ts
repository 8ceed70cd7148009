import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TAG } from '../../../core/fleet';
import { probeInstances } from '../../../cloud/health-probe';
import { instance } from '../../support/fleet';

let server: Server;
let port: number;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.statusCode = req.url === '/healthz' ? 200 : 503;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('HTTP health probe (loopback only)', () => {
  it('asks each running web instance on its private IP and records 200 as in service', async () => {
    const [up] = await probeInstances([instance('i-1', { privateIp: '127.0.0.1' })], { path: '/healthz', port });
    expect(up!.probeOk).toBe(true);
    const [draining] = await probeInstances([instance('i-1', { privateIp: '127.0.0.1' })], { path: '/draining', port });
    expect(draining!.probeOk).toBe(false);
    expect(seen).toEqual(['/healthz', '/draining']);
  });

  it('records no answer as not in service', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [down] = await probeInstances([instance('i-1', { privateIp: '127.0.0.1' })], { path: '/healthz', port: deadPort });
    expect(down!.probeOk).toBe(false);
  });

  it('sends no request at all when no path is configured, nor to instances that are not running web servers', async () => {
    const calls: string[] = [];
    const fakeFetch = (async (url: string) => {
      calls.push(url);
      return new Response(null, { status: 200 });
    }) as typeof fetch;
    const fleet = [instance('i-1', { privateIp: '10.0.0.1' }), instance('i-db', { privateIp: '10.0.0.2', tags: { [TAG.role]: 'db' } })];
    const off = await probeInstances(fleet, { port: 80, fetch: fakeFetch });
    expect(off.map((i) => i.probeOk)).toEqual([undefined, undefined]);
    await probeInstances([...fleet, instance('i-stopped', { state: 'stopped', privateIp: '10.0.0.3' })], { path: '/healthz', port: 80, fetch: fakeFetch });
    expect(calls).toEqual(['http://10.0.0.1:80/healthz']);
  });
});
