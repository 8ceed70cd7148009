import { useEmulators } from '../../support/emulators';
import { addToListing, fetchRaw, link, putBook, randomChunk, startCountingProxy, until, type CountingProxy } from '../../support/web';
import { nginxHandOff } from '../../../instance/web/download';
import { startTestWeb, type TestWeb } from './app-harness';

/** `shelfstack web --x-accel-redirect /_cache/`: Node authorises, nginx in front sends cached files. */
const emu = useEmulators('shelfstack-web-handoff');
let proxy: CountingProxy;
let web: TestWeb;
const BOOK = 'B0300';
const file = 'Ünnep hand-off_1.mp3';
const body = randomChunk(300_000);

beforeAll(async () => {
  proxy = await startCountingProxy(emu.s3Server.endpoint);
  await putBook(emu, BOOK, { [file]: body });
  web = await startTestWeb(proxy.endpoint, emu.bucket, { handOff: nginxHandOff('/_cache/') });
  await addToListing(web.listingDir, BOOK, [file]);
});

afterAll(async () => {
  await web?.stop();
  await proxy?.close();
});

test('a miss is served by Node; a hit is handed to nginx with the cached path and the chunk headers', async () => {
  const miss = await fetchRaw(web.url, link(BOOK, file));
  expect(miss.headers['x-accel-redirect']).toBeUndefined();
  expect(miss.body.equals(body)).toBe(true);
  await until(async () => (await fetchRaw(web.url, link(BOOK, file))).headers['x-accel-redirect'] !== undefined, 5000, 'the cached copy');

  const hit = await fetchRaw(web.url, link(BOOK, file), { headers: { Range: 'bytes=0-9' } });
  expect(hit.status).toBe(200);
  expect(hit.body.length).toBe(0);
  expect(hit.headers['x-accel-redirect']).toBe(`/_cache/${BOOK}/${miss.headers.etag!.replace(/"/g, '')}/${encodeURIComponent(file)}`);
  expect(hit.headers['content-range']).toBeUndefined();
  expect(hit.headers['content-disposition']).toContain("filename*=UTF-8''%C3%9Cnnep%20hand-off_1.mp3");
  expect(hit.headers.etag).toBe(miss.headers.etag);
});

test('refusals, 304s and If-Range requests never reach the hand-off', async () => {
  const forbidden = await fetchRaw(web.url, link(BOOK, file, { ttl: -5 }));
  expect([forbidden.status, forbidden.headers['x-accel-redirect']]).toEqual([403, undefined]);
  const etag = (await fetchRaw(web.url, link(BOOK, file), { method: 'HEAD' })).headers.etag!;
  const notModified = await fetchRaw(web.url, link(BOOK, file), { headers: { 'If-None-Match': etag } });
  expect([notModified.status, notModified.headers['x-accel-redirect']]).toEqual([304, undefined]);
  const resumed = await fetchRaw(web.url, link(BOOK, file), { headers: { Range: 'bytes=10-19', 'If-Range': etag } });
  expect([resumed.status, resumed.headers['x-accel-redirect']]).toEqual([206, undefined]);
  expect(resumed.body.equals(body.subarray(10, 20))).toBe(true);
});
