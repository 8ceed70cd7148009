import { PutObjectCommand } from '@aws-sdk/client-s3';
import { formatManifestKey } from '../../../core/keys';
import { getText } from '../../../cloud/s3';
import { useEmulators } from '../../support/emulators';
import { addToListing, fetchRaw, link, putBook, randomChunk, startCountingProxy, type CountingProxy } from '../../support/web';
import { startTestWeb, type TestWeb } from './app-harness';

/** A valid link whose book's manifest object in S3 is broken: our fault, never the customer's. */
const emu = useEmulators('shelfstack-web-manifest');
let proxy: CountingProxy;
let web: TestWeb;
const putManifest = (book: string, body: string) =>
  emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: formatManifestKey(book), Body: body, ContentType: 'application/json' }));

beforeAll(async () => {
  proxy = await startCountingProxy(emu.s3Server.endpoint);
  web = await startTestWeb(proxy.endpoint, emu.bucket);
});

afterAll(async () => {
  await web?.stop();
  await proxy?.close();
});

describe('a broken manifest behind a valid link', () => {
  test.each([
    ['truncated', 'B0301', (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ['naming another book', 'B0302', (text: string) => text.replace('"book":"B0302"', '"book":"B0999"')],
    ['not a manifest at all', 'B0303', () => '{"hello": "world"}'],
  ])('a manifest %s answers 502 with Retry-After and logs the book', async (_what, book, breakIt) => {
    await putBook(emu, book, { 'Part_1.mp3': randomChunk(1000) });
    await addToListing(web.listingDir, book, ['Part_1.mp3']);
    const good = await fetchRaw(web.url, link(book, 'Part_1.mp3'));
    expect(good.status).toBe(200);

    const text = (await getText(emu.s3, emu.bucket, formatManifestKey(book)))!.text;
    await putManifest(book, breakIt(text));
    // The store keeps a manifest 10 s: a fresh server sees the broken object at once.
    const fresh = await startTestWeb(proxy.endpoint, emu.bucket);
    try {
      await addToListing(fresh.listingDir, book, ['Part_1.mp3']);
      const before = proxy.requests;
      for (const method of ['GET', 'HEAD']) {
        const res = await fetchRaw(fresh.url, link(book, 'Part_1.mp3'), { method });
        expect(res.status).toBe(502);
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
      }
      // Two requests for a broken book cost one manifest GET: it is kept for the store's TTL like a good one.
      expect(proxy.requests - before).toBe(1);
      const failures = fresh.logLines.filter((l) => l.message === 'request_failed');
      expect(failures).toHaveLength(2);
      for (const f of failures) expect(f).toMatchObject({ book, err_name: 'ManifestError', reason: expect.stringContaining(book) });
    } finally {
      await fresh.stop();
    }
  });
});
