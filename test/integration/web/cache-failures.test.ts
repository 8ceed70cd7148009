import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { openTempFile, type OpenTempFile } from '../../../instance/web/temp-file';
import { useEmulators } from '../../support/emulators';
import { addToListing, fetchRaw, link, putBook, randomChunk, startCountingProxy, until, type CountingProxy } from '../../support/web';
import { startTestWeb, type TestWeb } from './app-harness';
import { useIamRole } from '../../support/iam';

const emu = useEmulators('shelfstack-web-fail');
useIamRole('WebInstanceRole', { params: { bucket: 'shelfstack-web-fail' } });
let proxy: CountingProxy;
const MB = 1024 * 1024;
const BOOK = 'B0100';
const started: TestWeb[] = [];

beforeAll(async () => {
  proxy = await startCountingProxy(emu.s3Server.endpoint);
});

afterEach(async () => {
  proxy.resetAfterBytes = undefined;
  proxy.corruptAtByte = undefined;
  proxy.hold = undefined;
  proxy.throttleBytesPer10ms = undefined;
  for (const w of started.splice(0)) await w.stop();
});

afterAll(async () => {
  await proxy?.close();
});

async function webWith(files: Record<string, Buffer>, overrides: Parameters<typeof startTestWeb>[2] = {}): Promise<TestWeb> {
  const web = await startTestWeb(proxy.endpoint, emu.bucket, overrides);
  started.push(web);
  await addToListing(web.listingDir, BOOK, Object.keys(files));
  return web;
}

/** The files under the cache's folder, walked so that a folder the sweeper removes meanwhile is just gone. */
async function listCache(web: TestWeb, sub: 'chunks' | 'tmp'): Promise<string[]> {
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    });
    const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [e.isFile() ? e.name : ''])));
    return nested.flat().filter(Boolean);
  };
  return walk(path.join(web.cacheDir, sub));
}

/** A temp file whose writes fail with `code` once `limit` bytes are on "disk". */
function refusingDisk(limit: number, code = 'ENOSPC'): OpenTempFile {
  return async (p) => {
    const real = await openTempFile(p);
    return {
      ...real,
      async write(pieces, position) {
        const length = pieces.reduce((n, b) => n + b.length, 0);
        if (position + length > limit) throw Object.assign(new Error(`${code}: no space left on device, write`), { code });
        await real.write(pieces, position);
      },
    };
  };
}

describe('when things go wrong during a fill', () => {
  test.each([
    ['mid-fill', 1 * MB],
    ['at the first write', 0],
  ])('a full disk (ENOSPC %s) still serves every byte, and leaves no temp file or cache entry', async (_when, limit) => {
    const body = randomChunk(3 * MB);
    const file = `Full_${limit}.mp3`;
    await putBook(emu, BOOK, { [file]: body });
    const web = await webWith({ [file]: body }, { openTemp: refusingDisk(limit) });
    const results = await Promise.all([fetchRaw(web.url, link(BOOK, file)), fetchRaw(web.url, link(BOOK, file))]);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body.equals(body)).toBe(true);
    }
    await until(async () => (await listCache(web, 'tmp')).length === 0, 5000, 'the temp file to go');
    expect(await listCache(web, 'chunks')).toEqual([]);
    expect((await web.app.metrics.registry.getSingleMetricAsString('shelfstack_cache_fills_total'))).toContain('result="disk_refused"} 1');
  });

  test('a temp file that cannot even be created (EDQUOT) still serves', async () => {
    const body = randomChunk(500_000);
    const file = 'Quota_1.mp3';
    await putBook(emu, BOOK, { [file]: body });
    const web = await webWith({ [file]: body }, {
      openTemp: async () => {
        throw Object.assign(new Error('EDQUOT: disk quota exceeded'), { code: 'EDQUOT' });
      },
    });
    const r = await fetchRaw(web.url, link(BOOK, file));
    expect([r.status, r.body.equals(body)]).toEqual([200, true]);
    expect(await listCache(web, 'chunks')).toEqual([]);
  });

  test('an origin that resets in the middle of the body gives a broken response and caches nothing', async () => {
    const body = randomChunk(3 * MB);
    const file = 'Reset_1.mp3';
    await putBook(emu, BOOK, { [file]: body });
    const web = await webWith({ [file]: body });
    proxy.resetAfterBytes = 1 * MB;
    const r = await fetchRaw(web.url, link(BOOK, file));
    expect(r.status).toBe(200);
    expect(r.complete && r.body.length === body.length).toBe(false);
    await until(async () => (await listCache(web, 'tmp')).length === 0, 5000, 'the temp file to go');
    expect(await listCache(web, 'chunks')).toEqual([]);

    proxy.resetAfterBytes = undefined;
    const retry = await fetchRaw(web.url, link(BOOK, file));
    expect(retry.body.equals(body)).toBe(true);
  });

  test('bytes that do not match the manifest MD5 are never completed to the customer nor cached', async () => {
    const body = randomChunk(2 * MB);
    const file = 'Corrupt_1.mp3';
    await putBook(emu, BOOK, { [file]: body });
    const web = await webWith({ [file]: body });
    proxy.corruptAtByte = 1000;
    const r = await fetchRaw(web.url, link(BOOK, file));
    expect(r.complete && r.body.length === body.length).toBe(false);
    expect(r.body.length).toBeLessThan(body.length);
    await until(async () => (await listCache(web, 'tmp')).length === 0, 5000, 'the temp file to go');
    expect(await listCache(web, 'chunks')).toEqual([]);
    expect(await web.app.metrics.registry.getSingleMetricAsString('shelfstack_cache_fills_total')).toContain('result="mismatch"} 1');
  });

  test('an S3 that does not answer in time is a 503; one that stalls mid-body breaks the response', async () => {
    const body = randomChunk(1 * MB);
    const file = 'Slow_1.mp3';
    await putBook(emu, BOOK, { [file]: body });
    const web = await webWith({ [file]: body }, { originTimeouts: { firstByteMs: 300, idleMs: 300 } });
    let release = () => undefined as void;
    proxy.hold = new Promise<void>((r) => (release = r));
    const silent = await fetchRaw(web.url, link(BOOK, file));
    expect([silent.status, silent.headers['retry-after']]).toEqual([503, '5']);
    release();
    proxy.hold = undefined;
    proxy.throttleBytesPer10ms = 1; // after the first piece, the next waits for minutes
    const stalled = await fetchRaw(web.url, link(BOOK, file));
    expect(stalled.complete && stalled.body.length === body.length).toBe(false);
    expect(await listCache(web, 'chunks')).toEqual([]);
  });

  test('a chunk the manifest lists but S3 no longer holds is a 503 with Retry-After, and nothing is cached', async () => {
    const body = randomChunk(1000);
    const file = 'Gone_1.mp3';
    await putBook(emu, BOOK, { [file]: body });
    await emu.s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: `audiobooks/${BOOK}/${file}` }));
    const web = await webWith({ [file]: body });
    const r = await fetchRaw(web.url, link(BOOK, file));
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
    expect(await listCache(web, 'chunks')).toEqual([]);
  });

  test('an unreachable S3 is a 503 with Retry-After', async () => {
    const web = await startTestWeb('http://127.0.0.1:9', emu.bucket);
    started.push(web);
    await addToListing(web.listingDir, BOOK, ['Any_1.mp3']);
    const r = await fetchRaw(web.url, link(BOOK, 'Any_1.mp3'));
    expect([r.status, r.headers['retry-after']]).toEqual([503, '5']);
  });

  test('a customer who disconnects does not cancel the fill another customer waits on', async () => {
    const body = randomChunk(3 * MB);
    const file = 'Leaver_1.mp3';
    await putBook(emu, BOOK, { [file]: body });
    const web = await webWith({ [file]: body });
    proxy.throttleBytesPer10ms = 128 * 1024;
    const stayer = fetchRaw(web.url, link(BOOK, file));
    const http = await import('node:http');
    await new Promise<void>((resolve) => {
      const req = http.get(`${web.url}${link(BOOK, file)}`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
    });
    const r = await stayer;
    expect(r.body.equals(body)).toBe(true);
    await until(async () => (await listCache(web, 'chunks')).includes(file), 5000, 'the cached chunk');
    expect(proxy.chunkGets.get(`audiobooks/${BOOK}/${file}`)).toBe(1);
  });

  test('a chunk whose ETag changed in the manifest is fetched again after invalidation', async () => {
    const v1 = randomChunk(200_000);
    const v2 = randomChunk(210_000);
    const file = 'Changed_1.mp3';
    await putBook(emu, BOOK, { [file]: v1 });
    const web = await webWith({ [file]: v1 });
    expect((await fetchRaw(web.url, link(BOOK, file))).body.equals(v1)).toBe(true);
    await until(async () => (await listCache(web, 'chunks')).includes(file), 5000, 'the cached chunk');
    await putBook(emu, BOOK, { [file]: v2 });
    expect(await web.app.cache.invalidate(BOOK, file)).toBe(true);
    const r = await fetchRaw(web.url, link(BOOK, file));
    expect(r.body.equals(v2)).toBe(true);
    expect(await web.app.cache.invalidate(BOOK, 'Never_cached.mp3')).toBe(false);
  });
});

describe('the sweeper', () => {
  test('removes temp files left by a crash when the cache starts', async () => {
    const web = await webWith({});
    await web.stop();
    started.pop();
    await mkdir(path.join(web.cacheDir, 'tmp'), { recursive: true });
    await writeFile(path.join(web.cacheDir, 'tmp', 'deadbeef.part'), 'partial');
    const again = await startTestWeb(proxy.endpoint, emu.bucket, { cacheDir: web.cacheDir });
    started.push(again);
    expect(await listCache(again, 'tmp')).toEqual([]);
  });

  test('keeps the byte budget by evicting the least recently read chunk, never one being filled', async () => {
    const files = { 'A_1.mp3': randomChunk(1 * MB), 'B_1.mp3': randomChunk(1 * MB), 'C_1.mp3': randomChunk(1 * MB), 'D_1.mp3': randomChunk(1 * MB) };
    await putBook(emu, BOOK, files);
    const web = await webWith(files, { cacheMaxBytes: 2 * MB + 100 });
    const get = async (f: string) => expect((await fetchRaw(web.url, link(BOOK, f))).body.equals(files[f as keyof typeof files])).toBe(true);
    const cached = () => listCache(web, 'chunks').then((l) => l.sort());
    await get('A_1.mp3');
    await until(async () => (await cached()).length === 1, 5000, 'A cached');
    await get('B_1.mp3');
    await until(async () => (await cached()).length === 2, 5000, 'B cached');
    await get('A_1.mp3'); // A is now more recently read than B
    await get('C_1.mp3');
    await until(async () => (await cached()).join() === 'A_1.mp3,C_1.mp3', 5000, 'B evicted');

    proxy.throttleBytesPer10ms = 64 * 1024;
    const filling = fetchRaw(web.url, link(BOOK, 'D_1.mp3'));
    await until(async () => (await listCache(web, 'tmp')).length === 1, 5000, 'the fill to start');
    const result = await web.app.cache.sweep();
    expect(result.cacheBytes).toBeLessThanOrEqual(2 * MB + 100);
    expect(await listCache(web, 'tmp')).toHaveLength(1);
    expect((await filling).body.equals(files['D_1.mp3'])).toBe(true);
    await until(async () => (await cached()).join() === 'C_1.mp3,D_1.mp3', 5000, 'D cached and A evicted');
  });

  test('removes chunks not read within the age limit', async () => {
    const files = { 'Old_1.mp3': randomChunk(1000) };
    await putBook(emu, BOOK, files);
    const web = await webWith(files, { cacheMaxAge: 1 });
    await fetchRaw(web.url, link(BOOK, 'Old_1.mp3'));
    await until(async () => (await listCache(web, 'chunks')).length === 1, 5000, 'cached');
    await until(async () => (await web.app.cache.sweep()).removedFiles === 1, 5000, 'the chunk to age out');
    expect(await listCache(web, 'chunks')).toEqual([]);
  });
});

describe('/healthz', () => {
  test('answers 503 while draining', async () => {
    const web = await webWith({});
    web.app.startDraining();
    expect((await fetchRaw(web.url, '/healthz')).status).toBe(503);
  });

  test('answers 503 when the cache directory is gone or not writable', async () => {
    const web = await webWith({});
    await rm(web.cacheDir, { recursive: true, force: true });
    const r = await fetchRaw(web.url, '/healthz');
    expect([r.status, r.body.toString()]).toEqual([503, 'cache_not_writable\n']);
  });
});
