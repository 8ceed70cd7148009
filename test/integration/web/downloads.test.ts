import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { useEmulators } from '../../support/emulators';
import { addToListing, fetchRaw, link, putBook, randomChunk, startCountingProxy, until, type CountingProxy } from '../../support/web';
import { openTempFile, type OpenTempFile } from '../../../instance/web/temp-file';
import { startTestWeb, type TestWeb } from './app-harness';
import { useIamRole } from '../../support/iam';

const emu = useEmulators('shelfstack-web-dl');
useIamRole('WebInstanceRole', { params: { bucket: 'shelfstack-web-dl' } });
let proxy: CountingProxy;
let web: TestWeb;
const MB = 1024 * 1024;
const BOOK = 'B0001';
const chunks = {
  'Red Flower_1.mp3': randomChunk(3 * MB + 17),
  'Red Flower_2.mp3': randomChunk(2 * MB),
  'Ödön – Ünnep_1.mp3': randomChunk(100_000),
  'Fifty_1.mp3': randomChunk(2 * MB),
  'Ranged_1.mp3': randomChunk(4 * MB),
  'Behind_1.mp3': randomChunk(16 * MB + 5),
};

beforeAll(async () => {
  proxy = await startCountingProxy(emu.s3Server.endpoint);
  await putBook(emu, BOOK, chunks);
  await putBook(emu, 'B0002', { 'Unlisted_1.mp3': randomChunk(1000) });
  web = await startTestWeb(proxy.endpoint, emu.bucket);
  await addToListing(web.listingDir, BOOK, Object.keys(chunks));
});

afterAll(async () => {
  await web?.stop();
  await proxy?.close();
});

afterEach(() => {
  proxy.throttleBytesPer10ms = undefined;
});

const gets = (file: string, book = BOOK) => proxy.chunkGets.get(`audiobooks/${book}/${file}`) ?? 0;
const cacheFiles = async () => (await readdir(path.join(web.cacheDir, 'chunks'), { recursive: true })).filter((p) => p.endsWith('.mp3'));

describe('downloads through the cache', () => {
  test('a miss and then a hit give the same bytes and headers, and only the miss reaches S3', async () => {
    const file = 'Red Flower_1.mp3';
    const miss = await fetchRaw(web.url, link(BOOK, file, { customer: 'cust-42' }));
    // The response may end before the fill's rename: wait for the cached copy.
    await until(async () => (await cacheFiles()).some((f) => f.endsWith(file)), 10_000, 'the fill');
    const hit = await fetchRaw(web.url, link(BOOK, file));
    for (const r of [miss, hit]) {
      expect(r.status).toBe(200);
      expect(r.body.equals(chunks[file])).toBe(true);
      expect(r.headers['content-type']).toBe('audio/mpeg');
      expect(r.headers['content-length']).toBe(String(chunks[file].length));
      expect(r.headers['accept-ranges']).toBe('bytes');
      expect(r.headers['content-disposition']).toBe('attachment; filename="Red Flower_1.mp3"');
      expect(r.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(r.headers['last-modified']).toBeDefined();
    }
    expect(gets(file)).toBe(1);
    const logs = web.logLines.filter((l) => l.message === 'http_request' && l.file === file);
    expect(logs.map((l) => l.cache)).toEqual(['miss', 'hit']);
    expect(logs[0]).toMatchObject({ customer: 'cust-42', status: 200, bytes: chunks[file].length });
  });

  test('a non-ASCII file name is served with an RFC 6266 filename*', async () => {
    const file = 'Ödön – Ünnep_1.mp3';
    const r = await fetchRaw(web.url, link(BOOK, file));
    expect(r.status).toBe(200);
    expect(r.body.equals(chunks[file])).toBe(true);
    expect(r.headers['content-disposition']).toContain(`filename*=UTF-8''%C3%96d%C3%B6n%20%E2%80%93%20%C3%9Cnnep_1.mp3`);
  });

  test('Range works on a miss and on a hit (206 with Content-Range), and past the end is 416', async () => {
    const file = 'Red Flower_2.mp3';
    const body = chunks[file];
    for (const label of ['miss', 'hit']) {
      const r = await fetchRaw(web.url, link(BOOK, file), { headers: { Range: 'bytes=100-1099' } });
      expect([label, r.status, r.headers['content-range'], r.headers['content-length']]).toEqual([label, 206, `bytes 100-1099/${body.length}`, '1000']);
      expect(r.body.equals(body.subarray(100, 1100))).toBe(true);
      await until(async () => (await cacheFiles()).some((f) => f.endsWith(file)), 10_000, 'the fill');
    }
    const suffix = await fetchRaw(web.url, link(BOOK, file), { headers: { Range: 'bytes=-10' } });
    expect(suffix.body.equals(body.subarray(body.length - 10))).toBe(true);
    const beyond = await fetchRaw(web.url, link(BOOK, file), { headers: { Range: `bytes=${body.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${body.length}`);
  });

  test('a Range near the end of a miss is answered from S3 without waiting for the fill', async () => {
    const file = 'Ranged_1.mp3';
    const body = chunks[file];
    proxy.throttleBytesPer10ms = 64 * 1024; // the whole chunk takes ~0.6 s; its tail alone is instant
    const whole = fetchRaw(web.url, link(BOOK, file));
    await until(() => gets(file) === 1, 5000, 'the fill to start');
    const tail = await fetchRaw(web.url, link(BOOK, file), { headers: { Range: `bytes=${body.length - 1000}-` } });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(body.subarray(body.length - 1000))).toBe(true);
    expect(await cacheFiles()).not.toContainEqual(expect.stringContaining(file));
    expect((await whole).body.equals(body)).toBe(true);
  });

  test('HEAD answers the headers of a GET with no body', async () => {
    const r = await fetchRaw(web.url, link(BOOK, 'Red Flower_1.mp3'), { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(chunks['Red Flower_1.mp3'].length));
    expect(r.body.length).toBe(0);
  });

  test('If-None-Match and If-Modified-Since answer 304; a stale If-Range gets the whole chunk', async () => {
    const file = 'Red Flower_1.mp3';
    const first = await fetchRaw(web.url, link(BOOK, file), { method: 'HEAD' });
    const etag = first.headers.etag!;
    const inm = await fetchRaw(web.url, link(BOOK, file), { headers: { 'If-None-Match': etag } });
    expect([inm.status, inm.body.length, inm.headers.etag]).toEqual([304, 0, etag]);
    const ims = await fetchRaw(web.url, link(BOOK, file), { headers: { 'If-Modified-Since': first.headers['last-modified']! } });
    expect(ims.status).toBe(304);
    const staleRange = await fetchRaw(web.url, link(BOOK, file), { headers: { Range: 'bytes=0-9', 'If-Range': '"stale"' } });
    expect(staleRange.status).toBe(200);
    expect(staleRange.body.length).toBe(chunks[file].length);
    const freshRange = await fetchRaw(web.url, link(BOOK, file), { headers: { Range: 'bytes=0-9', 'If-Range': etag } });
    expect(freshRange.status).toBe(206);
  });

  test('50 concurrent misses for one chunk cost exactly one GET at the origin and all get the same bytes', async () => {
    const file = 'Fifty_1.mp3';
    proxy.throttleBytesPer10ms = 256 * 1024;
    const results = await Promise.all(Array.from({ length: 50 }, () => fetchRaw(web.url, link(BOOK, file))));
    expect(results.every((r) => r.status === 200 && r.body.equals(chunks[file]))).toBe(true);
    expect(gets(file)).toBe(1);
  });

  test('a customer who falls behind the fill is served the rest from its temp file, byte for byte', async () => {
    const file = 'Behind_1.mp3';
    // Counts reads of the temp file: the customers at the head are served from memory instead.
    let fileReads = 0;
    const countingTemp: OpenTempFile = async (p) => {
      const real = await openTempFile(p);
      return { ...real, read: (into, length, position) => (fileReads++, real.read(into, length, position)) };
    };
    const own = await startTestWeb(proxy.endpoint, emu.bucket, { openTemp: countingTemp });
    try {
      await addToListing(own.listingDir, BOOK, [file]);
      const http = await import('node:http');
      // The slow customer takes its headers, then reads nothing until the fill is over.
      const slow = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        http.get(`${own.url}${link(BOOK, file)}`, (res) => (res.pause(), resolve(res))).on('error', reject);
      });
      const fast = await fetchRaw(own.url, link(BOOK, file));
      await until(async () => (await readdir(path.join(own.cacheDir, 'chunks'), { recursive: true })).some((f) => f.endsWith(file)), 10_000, 'the fill');
      const readsBefore = fileReads;
      const parts: Buffer[] = [];
      slow.on('data', (d: Buffer) => parts.push(d));
      const ended = new Promise((resolve) => slow.once('end', resolve));
      slow.resume();
      await ended;
      expect(fast.body.equals(chunks[file])).toBe(true);
      expect(Buffer.concat(parts).equals(chunks[file])).toBe(true);
      expect(fileReads - readsBefore).toBeGreaterThan(0);
      expect(gets(file)).toBe(1);
    } finally {
      await own.stop();
    }
  });

  test('a chunk in S3 but not in the local listing is 404 and never fetched', async () => {
    const r = await fetchRaw(web.url, link('B0002', 'Unlisted_1.mp3'));
    expect(r.status).toBe(404);
    expect(gets('Unlisted_1.mp3', 'B0002')).toBe(0);
  });
});

describe('who may download', () => {
  const file = 'Red Flower_1.mp3';

  test('a tampered, expired, missing or other-chunk signature gets 403', async () => {
    const good = link(BOOK, file);
    const variants = {
      tampered: good.replace(/signature=(.)/, (_m, c: string) => `signature=${c === 'A' ? 'B' : 'A'}`),
      expired: link(BOOK, file, { ttl: -10 }),
      missing: good.replace(/&signature=[^&]*/, ''),
      'wrong key': link(BOOK, file, { key: 'some-other-key-0123456789' }),
      'other chunk': `${good.split('?')[0]!.replace('_1', '_2')}?${good.split('?')[1]}`,
      'longer expiry': good.replace(/expires=\d+/, 'expires=9999999999'),
    };
    for (const [what, p] of Object.entries(variants)) {
      expect([what, (await fetchRaw(web.url, p)).status]).toEqual([what, 403]);
    }
  });

  test('a link signed with SHELFSTACK_SIGNING_KEY_PREVIOUS still works while rotating', async () => {
    const rotating = await startTestWeb(proxy.endpoint, emu.bucket, { signingKey: 'the-new-key-0123456789', signingKeyPrevious: 'test-signing-key-0123456789' });
    try {
      await addToListing(rotating.listingDir, BOOK, [file]);
      expect((await fetchRaw(rotating.url, link(BOOK, file))).status).toBe(200);
      expect((await fetchRaw(rotating.url, link(BOOK, file, { key: 'the-new-key-0123456789' }))).status).toBe(200);
    } finally {
      await rotating.stop();
    }
  });

  test.each([
    ['dot-dot segments', '/audiobooks/../listing/B0001.json'],
    ['a dot-dot file', '/audiobooks/B0001/..'],
    ['encoded dot-dot', '/audiobooks/%2e%2e/%2e%2e'],
    ['an encoded dot-dot book', '/audiobooks/%2E%2E/Red%20Flower_1.mp3'],
    ['an encoded slash', '/audiobooks/B0001/..%2f..%2fetc%2fpasswd'],
    ['an encoded slash in the book', '/audiobooks/B0001%2f..%2f/x.mp3'],
    ['a backslash', '/audiobooks/B0001/..\\..\\etc\\passwd'],
    ['an encoded backslash', '/audiobooks/B0001/..%5c..%5cetc%5cpasswd'],
    ['a NUL', '/audiobooks/B0001/Red%20Flower_1.mp3%00.txt'],
    ['bad percent-encoding', '/audiobooks/B0001/%E0%A4%A'],
    ['deeper paths', '/audiobooks/B0001/../../../../etc/passwd'],
    ['a book with no file', '/audiobooks/B0001'],
  ])('%s gets 400 (README "Downloads") and never reaches the listing, the cache or S3', async (_what, rawPath) => {
    const requestsBefore = proxy.requests;
    const lookupsBefore = web.listingLookups.length;
    const r = await fetchRaw(web.url, `${rawPath}?expires=9999999999&signature=${'A'.repeat(43)}`);
    expect(r.status).toBe(400);
    expect(proxy.requests).toBe(requestsBefore);
    expect(web.listingLookups.length).toBe(lookupsBefore);
  });

  test.each(['/listing/B0001.json', '/etc/passwd', '/audiobook/B0001/x.mp3'])('%s, outside /audiobooks/, gets 404', async (rawPath) => {
    expect((await fetchRaw(web.url, rawPath)).status).toBe(404);
  });

  test('the access log never holds the signature, but names the chunk and the customer', async () => {
    const p = link(BOOK, file, { customer: 'cust-9' });
    await fetchRaw(web.url, p);
    const signature = new URL(p, 'http://x').searchParams.get('signature')!;
    const lines = web.logLines.map((l) => JSON.stringify(l));
    expect(lines.some((l) => l.includes('cust-9') && l.includes('"message":"http_request"'))).toBe(true);
    expect(lines.some((l) => l.includes(signature) || l.includes('signature='))).toBe(false);
  });
});

describe('operations endpoints', () => {
  test('/metrics reports requests by status, bytes, hits, misses, fills and cache bytes', async () => {
    const r = await fetchRaw(web.url, '/metrics');
    const text = r.body.toString();
    expect(r.status).toBe(200);
    expect(text).toMatch(/shelfstack_web_requests_total\{status="200"\} \d+/);
    expect(text).toMatch(/shelfstack_web_requests_total\{status="403"\} \d+/);
    expect(text).toMatch(/shelfstack_web_bytes_served_total [1-9]\d*/);
    expect(text).toMatch(/shelfstack_cache_hits_total [1-9]/);
    expect(text).toMatch(/shelfstack_cache_misses_total [1-9]/);
    expect(text).toMatch(/shelfstack_cache_fills_total\{result="cached"\} [1-9]/);
    expect(text).toMatch(/shelfstack_cache_bytes [1-9]/);
    expect(text).toMatch(/shelfstack_origin_latency_seconds_count\{kind="fill"\} [1-9]/);
    expect(text).toContain('shelfstack_cache_evictions_total');
  });

  test('/healthz is 200 in service', async () => {
    expect((await fetchRaw(web.url, '/healthz')).status).toBe(200);
  });
});
