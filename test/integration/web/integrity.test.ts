import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { s3ClientOptions } from '../../../cloud/clients';
import { listAll } from '../../../cloud/s3';
import { uploadFile } from '../../../cloud/s3-upload';
import { bookPrefix, formatManifestKey } from '../../../core/keys';
import { buildManifest, serializeManifest } from '../../../core/manifest';
import { openTempFile, type OpenTempFile } from '../../../instance/web/temp-file';
import { tempDir, useEmulators } from '../../support/emulators';
import { addToListing, fetchRaw, link, randomChunk, startCountingProxy, until, type CountingProxy } from '../../support/web';
import { startTestWeb, type TestWeb } from './app-harness';

// Multipart chunks, as `import`, FTP ingest (CRC32 full-object checksum) and older tools (a
// multipart ETag only) leave them, with a byte flipped between S3 and the web server or on S3's
// disk: never a complete 200, never cached.
const emu = useEmulators('shelfstack-web-integrity');
let proxy: CountingProxy;
const MB = 1024 * 1024;
const BOOK = 'B0200';
const started: TestWeb[] = [];

beforeAll(async () => {
  proxy = await startCountingProxy(emu.s3Server.endpoint);
});
afterEach(async () => {
  proxy.corruptAtByte = undefined;
  for (const w of started.splice(0)) await w.stop();
});
afterAll(async () => {
  await proxy?.close();
});

type Uploader = 'crc32' | 'etag-only';

async function putMultipart(file: string, body: Buffer, how: Uploader): Promise<void> {
  const key = `audiobooks/${BOOK}/${file}`;
  if (how === 'crc32') {
    const local = path.join(await tempDir('shelfstack-up-'), file);
    await writeFile(local, body);
    await uploadFile(emu.s3, { bucket: emu.bucket, key, path: local, partSize: 5 * MB });
  } else {
    // An upload with no checksum at all, in 5 MiB parts, as older SDKs and CLIs sent them.
    const bare = new S3Client({ ...s3ClientOptions({ ...process.env, SHELFSTACK_S3_EMULATOR: 'true' }), endpoint: emu.s3Server.endpoint });
    await new Upload({ client: bare, params: { Bucket: emu.bucket, Key: key, Body: body }, partSize: 5 * MB }).done();
    bare.destroy();
  }
  const manifest = buildManifest(BOOK, await listAll(emu.s3, emu.bucket, bookPrefix(BOOK)));
  await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: formatManifestKey(BOOK), Body: serializeManifest(manifest!) }));
  expect(manifest!.chunks.find((c) => c.file === file)!.etag).toMatch(/-3$/);
}

async function webFor(file: string, overrides: Parameters<typeof startTestWeb>[2] = {}): Promise<TestWeb> {
  const web = await startTestWeb(proxy.endpoint, emu.bucket, overrides);
  started.push(web);
  await addToListing(web.listingDir, BOOK, [file]);
  return web;
}

const cachedFiles = async (web: TestWeb) =>
  (await readdir(path.join(web.cacheDir, 'chunks'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);

async function expectRefused(web: TestWeb, file: string, size: number): Promise<void> {
  const r = await fetchRaw(web.url, link(BOOK, file));
  expect(r.complete && r.body.length === size).toBe(false);
  await until(async () => (await web.app.metrics.registry.getSingleMetricAsString('shelfstack_cache_fills_total')).includes('result="mismatch"} 1'), 5000, 'the mismatch');
  expect(await cachedFiles(web)).toEqual([]);
}

describe.each<Uploader>(['crc32', 'etag-only'])('a multipart chunk uploaded with %s', (how) => {
  test('a byte flipped between S3 and the web server is caught: no complete 200, nothing cached; clean bytes then are', async () => {
    const body = randomChunk(12 * MB);
    const file = `Proxy_${how}.mp3`;
    await putMultipart(file, body, how);
    const web = await webFor(file);
    proxy.corruptAtByte = 7 * MB + 3;
    await expectRefused(web, file, body.length);

    proxy.corruptAtByte = undefined;
    const clean = await fetchRaw(web.url, link(BOOK, file));
    expect([clean.status, clean.complete, clean.body.equals(body)]).toEqual([200, true, true]);
    await until(async () => (await cachedFiles(web)).length === 1, 5000, 'the chunk to be cached');
  });

  test("a byte flipped on the emulator's disk after the upload is caught", async () => {
    const body = randomChunk(11 * MB);
    const file = `Disk_${how}.mp3`;
    await putMultipart(file, body, how);
    const stored = path.join(emu.dir, 's3', emu.bucket, 'audiobooks', BOOK, `${file}._S3rver_object`);
    const bytes = await readFile(stored);
    bytes[10 * MB] = bytes[10 * MB]! ^ 0x01;
    await writeFile(stored, bytes);
    const web = await webFor(file);
    await expectRefused(web, file, body.length);
  });
});

/** A temp file whose writes fail with ENOSPC once `limit` bytes are on "disk". */
function refusingDisk(limit: number): OpenTempFile {
  return async (p) => {
    const real = await openTempFile(p);
    return {
      ...real,
      async write(pieces, position) {
        if (position + pieces.reduce((n, b) => n + b.length, 0) > limit) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        await real.write(pieces, position);
      },
    };
  };
}

test('a disk that refuses mid-fill, then a flipped byte in what S3 sends for the rest: no complete 200', async () => {
  const body = randomChunk(12 * MB);
  const file = 'Refused_1.mp3';
  await putMultipart(file, body, 'crc32');
  const web = await webFor(file, { openTemp: refusingDisk(1 * MB) });
  // Every chunk GET gets it: the fill's (which stops at the disk's refusal) and the one the
  // customer's rest comes from, whatever its start.
  proxy.corruptAtByte = 9 * MB;
  const r = await fetchRaw(web.url, link(BOOK, file));
  expect(r.complete && r.body.length === body.length).toBe(false);
  expect(await cachedFiles(web)).toEqual([]);

  proxy.corruptAtByte = undefined;
  const clean = await fetchRaw(web.url, link(BOOK, file));
  expect([clean.status, clean.complete, clean.body.equals(body)]).toEqual([200, true, true]);
});
