import net from 'node:net';
import { buildWebApp } from '../../../instance/web/app';
import { useEmulators } from '../../support/emulators';
import { addToListing, fetchRaw, link, putBook, randomChunk, SIGNING_KEY, startCountingProxy, s3Via, until, type CountingProxy } from '../../support/web';
import { startTestWeb, type TestWeb } from './app-harness';

/** Slow request headers are cut within the headers timeout; a slow reader of a long body is never cut. */
const emu = useEmulators('shelfstack-web-timeouts');
let proxy: CountingProxy;
let web: TestWeb;
const BOOK = 'B0501';
const BIG = randomChunk(12 * 1024 * 1024);
const TIMEOUTS = { headersMs: 800, requestMs: 1000, keepAliveMs: 500, checkEveryMs: 100, stalledMs: 1500 };

beforeAll(async () => {
  proxy = await startCountingProxy(emu.s3Server.endpoint);
  await putBook(emu, BOOK, { 'Long_1.mp3': BIG });
  web = await startTestWeb(proxy.endpoint, emu.bucket, { httpTimeouts: TIMEOUTS });
  await addToListing(web.listingDir, BOOK, ['Long_1.mp3']);
});

afterAll(async () => {
  await web?.stop();
  await proxy?.close();
});

function connect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

const closed = (socket: net.Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('HTTP timeouts of the download server', () => {
  test('the production defaults: 15 s for headers, 30 s for the request, 5 s keep-alive, checked every second, 2 min stalled', () => {
    const s3 = s3Via(proxy.endpoint);
    const app = buildWebApp({ s3, bucket: emu.bucket, listingDir: '/nonexistent', cacheDir: '/nonexistent', cacheMaxBytes: 1, cacheMaxAge: 1, signingKey: SIGNING_KEY });
    expect(app.server.headersTimeout).toBe(15_000);
    expect(app.server.requestTimeout).toBe(30_000);
    expect(app.server.keepAliveTimeout).toBe(5_000);
    expect(app.server.timeout).toBe(120_000);
    s3.destroy();
  });

  test('a client that sends its headers a byte at a time is cut within the headers timeout', async () => {
    const socket = await connect(web.url);
    let answer = '';
    socket.on('data', (d) => (answer += d));
    const gone = closed(socket);
    const started = Date.now();
    const text = `GET ${link(BOOK, 'Long_1.mp3')} HTTP/1.1\r\nHost: x\r\nUser-Agent: slowloris\r\n`;
    let i = 0;
    const drip = setInterval(() => {
      if (i < text.length && !socket.destroyed) socket.write(text[i++]!);
    }, 50);
    try {
      await gone;
    } finally {
      clearInterval(drip);
    }
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(TIMEOUTS.headersMs - 50);
    expect(took).toBeLessThan(TIMEOUTS.headersMs + 3 * TIMEOUTS.checkEveryMs + 500);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  test('a customer who stops reading altogether is cut once nothing moved for the stalled timeout', async () => {
    // Larger than what loopback's socket buffers absorb, so the server's writes really stall.
    await putBook(emu, 'B0502', { 'Huge_1.mp3': randomChunk(48 * 1024 * 1024) });
    await addToListing(web.listingDir, 'B0502', ['Huge_1.mp3']);
    expect((await fetchRaw(web.url, link('B0502', 'Huge_1.mp3'))).status).toBe(200);
    const socket = await connect(web.url);
    try {
      socket.pause();
      socket.write(`GET ${link('B0502', 'Huge_1.mp3')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const started = Date.now();
      const cut = () => web.logLines.find((l) => l.message === 'http_request' && l.path === '/audiobooks/B0502/Huge_1.mp3' && l.completed === false);
      await until(() => Boolean(cut()), TIMEOUTS.stalledMs + 5_000, 'the stalled download cut');
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUTS.stalledMs);
      expect(cut()!.bytes).toBeLessThan(48 * 1024 * 1024);
    } finally {
      socket.destroy();
    }
  }, 30_000);

  test('a customer reading a long download slowly, for several request timeouts, gets every byte', async () => {
    // Fill the cache first, so the slow read is of a hit (a miss through the fill is the same socket).
    expect((await fetchRaw(web.url, link(BOOK, 'Long_1.mp3'))).status).toBe(200);
    const socket = await connect(web.url);
    socket.write(`GET ${link(BOOK, 'Long_1.mp3')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const parts: Buffer[] = [];
    const started = Date.now();
    socket.pause();
    const reader = setInterval(() => {
      let d: Buffer | null;
      let budget = 64 * 1024;
      while (budget > 0 && (d = socket.read() as Buffer | null)) {
        parts.push(d);
        budget -= d.length;
      }
    }, 20);
    socket.on('end', () => undefined);
    await closed(socket);
    clearInterval(reader);
    let rest: Buffer | null;
    while ((rest = socket.read() as Buffer | null)) parts.push(rest);
    const raw = Buffer.concat(parts);
    const split = raw.indexOf('\r\n\r\n');
    expect(raw.subarray(0, split).toString()).toMatch(/^HTTP\/1\.1 200/);
    expect(Date.now() - started).toBeGreaterThan(3 * TIMEOUTS.requestMs);
    expect(raw.subarray(split + 4).equals(BIG)).toBe(true);
  }, 30_000);
});
