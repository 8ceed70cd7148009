import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { CacheAdminClient } from '../../../instance/cache-admin-client';
import type { CacheControl } from '../../../instance/cache-control';
import { silentLogger } from '../../../instance/logger';
import { adminAddress, isLoopback, listenAdmin, type RunningAdmin } from '../../../instance/web/admin-server';
import { runCli } from '../../support/cli';
import { useEmulators } from '../../support/emulators';
import { addToListing, fetchRaw, link, putBook, randomChunk, SIGNING_KEY, startCountingProxy, until, type CountingProxy } from '../../support/web';
import { startTestWeb, type TestWeb } from './app-harness';

/** The web server's side of contract 9, driven by the agent's real client and by raw requests. */
const emu = useEmulators('shelfstack-web-admin');
let proxy: CountingProxy;
let web: TestWeb;
let admin: RunningAdmin;
const BOOK = 'B0701';
const chunks = { 'A_1.mp3': randomChunk(50_000), 'B_1.mp3': randomChunk(60_000) };

beforeAll(async () => {
  proxy = await startCountingProxy(emu.s3Server.endpoint);
  await putBook(emu, BOOK, chunks);
  web = await startTestWeb(proxy.endpoint, emu.bucket);
  await addToListing(web.listingDir, BOOK, Object.keys(chunks));
  admin = await listenAdmin('http://127.0.0.1:0', web.app.cache, silentLogger);
});

afterAll(async () => {
  await admin?.stop();
  await web?.stop();
  await proxy?.close();
});

const cached = async () => (await readdir(path.join(web.cacheDir, 'chunks'), { recursive: true })).filter((p) => p.endsWith('.mp3')).map((p) => path.basename(p));
const post = (p: string, body?: string, method = 'POST') =>
  fetch(`${admin.url}${p}`, { method, headers: { 'content-type': 'application/json' }, body });

describe('the cache admin endpoints', () => {
  test('invalidate through the agent\'s client removes the cached chunk, and says so', async () => {
    for (const f of Object.keys(chunks)) expect((await fetchRaw(web.url, link(BOOK, f))).status).toBe(200);
    await until(async () => (await cached()).length === 2, 10_000, 'both chunks cached');
    const client = new CacheAdminClient(admin.url);
    await expect(client.invalidate(BOOK, 'A_1.mp3')).resolves.toBe(true);
    expect((await cached()).sort()).toEqual(['B_1.mp3']);
    await expect(client.invalidate(BOOK, 'A_1.mp3')).resolves.toBe(false);
  });

  test('sweep through the agent\'s client answers the SweepResult', async () => {
    const result = await new CacheAdminClient(admin.url).sweep();
    expect(result).toEqual({ removedFiles: 0, freedBytes: 0, cacheBytes: 60_000 });
  });

  test.each([
    ['GET /admin/cache/sweep', '/admin/cache/sweep', undefined, 'GET', 405],
    ['an unknown path', '/admin/cache/flush', '{}', 'POST', 404],
    ['a download path', `/audiobooks/${BOOK}/A_1.mp3`, undefined, 'GET', 404],
    ['a body that is not JSON', '/admin/cache/invalidate', '{"book":', 'POST', 400],
    ['a JSON array', '/admin/cache/invalidate', '[]', 'POST', 400],
    ['no file', '/admin/cache/invalidate', JSON.stringify({ book: BOOK }), 'POST', 400],
    ['a file that is not a chunk name', '/admin/cache/invalidate', JSON.stringify({ book: BOOK, file: '../B_1.mp3' }), 'POST', 400],
    ['a body over 16 KB', '/admin/cache/invalidate', JSON.stringify({ book: BOOK, file: 'x'.repeat(20_000) }), 'POST', 413],
  ])('%s is refused with its status', async (_what, p, body, method, status) => {
    const res = await post(p, body, method);
    expect(res.status).toBe(status);
    if (status === 405) expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toEqual({ error: expect.any(String) });
    expect(existsSync(path.join(web.cacheDir, 'chunks'))).toBe(true);
    expect(await cached()).toEqual(['B_1.mp3']);
  });

  test('the download port serves no admin endpoint', async () => {
    const res = await fetch(`${web.url}/admin/cache/sweep`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });

  test('a cache that fails is our fault: 500, and the agent\'s client sees an error', async () => {
    const failing: CacheControl = {
      sweep: () => Promise.reject(Object.assign(new Error('EIO: disk gone'), { code: 'EIO' })),
      invalidate: () => Promise.reject(new Error('EIO: disk gone')),
    };
    const broken = await listenAdmin('http://127.0.0.1:0', failing, silentLogger);
    try {
      const res = await fetch(`${broken.url}/admin/cache/sweep`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'internal error' });
      await expect(new CacheAdminClient(broken.url).invalidate(BOOK, 'B_1.mp3')).rejects.toThrow(/500/);
    } finally {
      await broken.stop();
    }
  });

  test('loopback only: the address, and each request\'s remote address', () => {
    expect(adminAddress('http://127.0.0.1:8081')).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(adminAddress('http://[::1]:8081/')).toEqual({ host: '::1', port: 8081 });
    for (const bad of ['http://0.0.0.0:8081', 'http://10.0.0.5:8081', 'https://127.0.0.1:8081', 'http://127.0.0.1:8081/admin']) {
      expect(() => adminAddress(bad)).toThrow(/^SHELFSTACK_CACHE_ADMIN_URL /);
    }
    expect(['127.0.0.1', '127.3.4.5', '::ffff:127.0.0.1', '::1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['10.0.0.5', '::ffff:10.0.0.5', '::', '0.0.0.0', undefined, '128.0.0.1'].map(isLoopback)).toEqual([false, false, false, false, false, false]);
  });
});

describe('shelfstack web and its admin address', () => {
  const env = (url: string, cacheDir: string) => ({
    AWS_ENDPOINT_URL_S3: emu.s3Server.endpoint,
    SHELFSTACK_BUCKET: emu.bucket,
    SHELFSTACK_LISTING_DIR: path.join(cacheDir, 'listing'),
    SHELFSTACK_CACHE_DIR: cacheDir,
    SHELFSTACK_CACHE_MAX_BYTES: '1G',
    SHELFSTACK_CACHE_MAX_AGE: '7d',
    SHELFSTACK_SIGNING_KEY: SIGNING_KEY,
    SHELFSTACK_CACHE_ADMIN_URL: url,
  });

  test('refuses to start on a non-loopback admin URL, in one line naming the variable', async () => {
    const res = await runCli(['web', '--port', '0', '--host', '127.0.0.1'], env('http://10.0.0.5:8081', path.join(emu.dir, 'c1')));
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^shelfstack web: SHELFSTACK_CACHE_ADMIN_URL must be a loopback http URL/)]);
  });

  test('an admin port already taken stops the start, naming the variable, instead of serving without it', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const { port } = squatter.address() as { port: number };
    try {
      const res = await runCli(['web', '--port', '0', '--host', '127.0.0.1'], env(`http://127.0.0.1:${port}`, path.join(emu.dir, 'c2')), 20_000);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^shelfstack web: SHELFSTACK_CACHE_ADMIN_URL cannot be listened on .*EADDRINUSE/);
    } finally {
      squatter.close();
    }
  });
});
