import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { rebuildListing } from '../../../cli/ops/listing-rebuild';
import { formatImportSummary, importLibrary, localEtags, scanLibrary } from '../../../cli/ops/import-library';
import { getText, listAll } from '../../../cloud/s3';
import { s3ClientOptions } from '../../../cloud/clients';
import { parseManifest } from '../../../core/manifest';
import { MP3_FRAME_HEADER } from '../../../core/mpeg';
import { useEmulators, tempDir } from '../../support/emulators';
import { countRequests } from '../../support/request-counter';

const emu = useEmulators('shelfstack-rebuild-test');

/** Bytes that pass the chunk check (an MPEG frame header first), then `body`. */
const mp3 = (body: string | Buffer) => Buffer.concat([Buffer.from(MP3_FRAME_HEADER), Buffer.from(body)]);

/** A library of `books` books with `perBook` small chunks each, `<dir>/<book>/<book> part_<n>.mp3`. */
async function makeLibrary(books: number, perBook: number, prefix = 'L'): Promise<string> {
  const dir = await tempDir('shelfstack-library-');
  for (let b = 0; b < books; b++) {
    const book = `${prefix}${String(b).padStart(4, '0')}`;
    await mkdir(path.join(dir, book));
    for (let c = 1; c <= perBook; c++) await writeFile(path.join(dir, book, `${book} part+${c}.mp3`), mp3(`${book}-${c}`));
  }
  return dir;
}

/** Counts uploads per key, whatever API carries them (PutObject or multipart). */
function countUploads(s3: S3Client): Map<string, number> {
  const perKey = new Map<string, number>();
  s3.middlewareStack.add(
    (next, ctx) => async (args) => {
      if (ctx.commandName === 'PutObjectCommand' || ctx.commandName === 'CreateMultipartUploadCommand') {
        const key = (args.input as { Key: string }).Key;
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
      }
      return next(args);
    },
    { step: 'initialize', name: `uploads${Math.random()}` },
  );
  return perKey;
}

describe('import and rebuild', () => {
  it('imports several hundred chunks across LIST pages, then rebuilds every manifest', async () => {
    const dir = await makeLibrary(60, 6);
    const imported = await importLibrary({ s3: emu.s3, bucket: emu.bucket, dir, pageSize: 100 });
    expect(imported).toMatchObject({ uploaded: 360, skipped: 0, failed: [] });
    expect(await listAll(emu.s3, emu.bucket, 'audiobooks/')).toHaveLength(360);

    const first = await rebuildListing({ s3: emu.s3, bucket: emu.bucket, pageSize: 50 });
    expect(first).toMatchObject({ books: 60, chunks: 360, written: 60, deleted: 0, unchanged: 0 });
    const m = parseManifest((await getText(emu.s3, emu.bucket, 'listing/L0007.json'))!.text, 'L0007');
    expect(m.chunks.map((c) => c.file)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `L0007 part+${n}.mp3`));

    const counter = countRequests(emu.s3);
    const second = await rebuildListing({ s3: emu.s3, bucket: emu.bucket, pageSize: 50 });
    expect(second).toMatchObject({ books: 60, written: 0, deleted: 0, unchanged: 60 });
    // Nothing changed: the two walks are the whole cost.
    expect(Object.keys(counter.counts)).toEqual(['ListObjectsV2Command']);
    expect(counter.counts.ListObjectsV2Command).toBe(Math.ceil(360 / 50) + Math.ceil(60 / 50));
  });

  it('rewrites a changed manifest and deletes the manifest of a book that is gone', async () => {
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'listing/GONE1.json', Body: '{}' }));
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'audiobooks/L0001/L0001 part+10.mp3', Body: 'x' }));
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'audiobooks/no-book-folder.mp3', Body: 'x' }));
    const s = await rebuildListing({ s3: emu.s3, bucket: emu.bucket });
    expect(s).toMatchObject({ written: 1, deleted: 1, skippedKeys: 1 });
    expect(await getText(emu.s3, emu.bucket, 'listing/GONE1.json')).toBeUndefined();
    const m = parseManifest((await getText(emu.s3, emu.bucket, 'listing/L0001.json'))!.text);
    expect(m.chunks.at(-1)?.file).toBe('L0001 part+10.mp3');
  });

  it('changes nothing on a dry run', async () => {
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'audiobooks/L0002/L0002 part+11.mp3', Body: 'x' }));
    const counter = countRequests(emu.s3);
    expect(await rebuildListing({ s3: emu.s3, bucket: emu.bucket, dryRun: true })).toMatchObject({ written: 1 });
    expect(Object.keys(counter.counts)).toEqual(['ListObjectsV2Command']);
  });

  it('resumes an interrupted import without uploading anything twice', async () => {
    const dir = await makeLibrary(30, 10, 'R');
    const s3 = new S3Client({ ...s3ClientOptions(), endpoint: emu.s3Server.endpoint });
    const uploads = countUploads(s3);
    const abort = new AbortController();
    let done = 0;
    s3.middlewareStack.add(
      (next, ctx) => async (args) => {
        const out = await next(args);
        if (ctx.commandName === 'PutObjectCommand' && ++done === 120) abort.abort();
        return out;
      },
      { step: 'initialize', name: 'interrupt' },
    );
    const first = await importLibrary({ s3, bucket: emu.bucket, dir, concurrency: 4, signal: abort.signal });
    expect(first.uploaded).toBeGreaterThanOrEqual(116);
    expect(first.interrupted).toBe(300 - first.uploaded);
    expect(first.failed).toEqual([]);

    const second = await importLibrary({ s3, bucket: emu.bucket, dir, concurrency: 4 });
    // Uploads in flight at the interruption may have landed: they are skipped too, not sent again.
    expect(second.skipped).toBeGreaterThanOrEqual(first.uploaded);
    expect(second.uploaded + second.skipped).toBe(300);
    expect([...uploads.values()].every((n) => n === 1)).toBe(true);
    expect(uploads.size).toBe(300);
    s3.destroy();
  });

  it('uploads a large chunk in parts and recognises it afterwards by its multipart ETag', async () => {
    const dir = await tempDir('shelfstack-big-');
    await mkdir(path.join(dir, 'BIG1'));
    const file = path.join(dir, 'BIG1', 'Kapitel Über_1.mp3');
    await writeFile(file, mp3(Buffer.alloc(11 * 1024 * 1024 - 4, 7)));
    const partSize = 5 * 1024 * 1024;
    const s3 = new S3Client({ ...s3ClientOptions(), endpoint: emu.s3Server.endpoint });
    const uploads = countUploads(s3);
    const counter = countRequests(s3);
    expect(await importLibrary({ s3, bucket: emu.bucket, dir, partSize })).toMatchObject({ uploaded: 1 });
    expect(counter.counts.UploadPartCommand).toBe(3);
    const head = await s3.send(new HeadObjectCommand({ Bucket: emu.bucket, Key: 'audiobooks/BIG1/Kapitel Über_1.mp3' }));
    expect(head.ContentLength).toBe(11 * 1024 * 1024);
    expect(await localEtags(file, partSize)).toHaveLength(2);
    expect(await importLibrary({ s3, bucket: emu.bucket, dir, partSize })).toMatchObject({ uploaded: 0, skipped: 1 });
    expect(uploads.get('audiobooks/BIG1/Kapitel Über_1.mp3')).toBe(1);
    s3.destroy();
  });

  it('re-uploads a chunk whose content changed at the same size', async () => {
    const dir = await makeLibrary(1, 1, 'C');
    await importLibrary({ s3: emu.s3, bucket: emu.bucket, dir });
    await writeFile(path.join(dir, 'C0000', 'C0000 part+1.mp3'), mp3('C0000-X'));
    expect(await importLibrary({ s3: emu.s3, bucket: emu.bucket, dir })).toMatchObject({ uploaded: 1, skipped: 0 });
  });

  it('lists what cannot be a chunk, with the reason, and uploads none of it', async () => {
    const dir = await tempDir('shelfstack-odd-');
    await mkdir(path.join(dir, 'bad book'));
    await mkdir(path.join(dir, 'OK1'));
    await writeFile(path.join(dir, 'OK1', 'cover.jpg'), 'x');
    await writeFile(path.join(dir, 'loose.mp3'), 'x');
    const { chunks, rejected } = await scanLibrary(dir);
    expect(chunks).toEqual([]);
    expect(rejected.map((r) => [path.basename(r.path), r.reason]).sort()).toEqual([
      ['bad book', 'not a book code: bad book'],
      ['cover.jpg', 'an audiobook chunk must be an .mp3 file'],
      ['loose.mp3', 'not in a book folder'],
    ]);
  });

  it('rejects what FTP ingest would quarantine for its bytes, and uploads it with force', async () => {
    const dir = await tempDir('shelfstack-bytes-');
    await mkdir(path.join(dir, 'NOISE1'));
    await writeFile(path.join(dir, 'NOISE1', 'random_1.mp3'), Buffer.from('0123456789'));
    await writeFile(path.join(dir, 'NOISE1', 'empty_2.mp3'), '');
    await writeFile(path.join(dir, 'NOISE1', 'good_3.mp3'), mp3('ok'));
    const plain = await importLibrary({ s3: emu.s3, bucket: emu.bucket, dir });
    expect(plain).toMatchObject({ uploaded: 1, forced: [] });
    expect(plain.rejected.map((r) => [path.basename(r.path), r.reason]).sort()).toEqual([
      ['empty_2.mp3', 'empty file'],
      ['random_1.mp3', 'no MPEG audio frame header: not an mp3'],
    ]);
    expect(formatImportSummary(plain)).toMatch(/^import: uploaded 1 chunk \(0\.0 MB\), skipped 0 already in S3, rejected 2, failed 0; /);
    await expect(emu.s3.send(new HeadObjectCommand({ Bucket: emu.bucket, Key: 'audiobooks/NOISE1/random_1.mp3' }))).rejects.toThrow();

    const forced = await importLibrary({ s3: emu.s3, bucket: emu.bucket, dir, force: true });
    expect(forced).toMatchObject({ uploaded: 2, skipped: 1, rejected: [] });
    expect(forced.forced.map((f) => path.basename(f.path)).sort()).toEqual(['empty_2.mp3', 'random_1.mp3']);
    expect(formatImportSummary(forced)).toMatch(/uploaded 2 chunks .* rejected 0, forced 2, failed 0;/);
    const head = await emu.s3.send(new HeadObjectCommand({ Bucket: emu.bucket, Key: 'audiobooks/NOISE1/random_1.mp3' }));
    expect(head.ContentLength).toBe(10);
  });
});
