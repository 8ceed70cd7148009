import { lstat, mkdir, readdir, readlink, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListingSync } from '../../../instance/listing-sync';
import { directoryListing } from '../../../instance/web/download';
import { buildManifest, serializeManifest } from '../../../core/manifest';
import { useEmulators, tempDir } from '../../support/emulators';
import { countRequests } from '../../support/request-counter';
import { useIamRole } from '../../support/iam';

const emu = useEmulators('shelfstack-sync-test');
useIamRole('WebInstanceRole', { params: { bucket: 'shelfstack-sync-test' } });

async function publish(book: string, files: string[]): Promise<void> {
  const m = buildManifest(
    book,
    files.map((f) => ({ key: `audiobooks/${book}/${f}`, size: 1, etag: '"e"', lastModified: new Date(0) })),
  );
  await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: `listing/${book}.json`, Body: serializeManifest(m!) }));
}
const unpublish = (book: string) => emu.s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: `listing/${book}.json` }));

async function tree(dir: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const book of (await readdir(dir)).sort()) out[book] = (await readdir(path.join(dir, book))).sort();
  return out;
}

describe('listing sync', () => {
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = await tempDir('shelfstack-sync-');
    dir = path.join(root, 'listing');
    for (const b of ['S1', 'S2', 'S3', 'S4']) await unpublish(b);
  });

  it('adds missing books and chunks, removes stale ones, migrates a plain folder once and then leaves it untouched', async () => {
    await publish('S1', ['a_1.mp3', 'a_2.mp3']);
    await publish('S2', ['b b+1.mp3']);
    await mkdir(path.join(dir, 'S2'), { recursive: true });
    await writeFile(path.join(dir, 'S2', 'b b+1.mp3'), '');
    await mkdir(path.join(dir, 'OLD'));
    await writeFile(path.join(dir, 'OLD', 'x.mp3'), '');
    await writeFile(path.join(dir, 'stray-file'), '');

    const sync = new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir });
    const summary = await sync.syncAll();

    expect(await tree(dir)).toEqual({ S1: ['a_1.mp3', 'a_2.mp3'], S2: ['b b+1.mp3'] });
    expect((await stat(path.join(dir, 'S1', 'a_1.mp3'))).size).toBe(0);
    // The plain folder S2 (a listing from before the links) became a link, counted as replaced.
    expect((await lstat(path.join(dir, 'S2'))).isSymbolicLink()).toBe(true);
    expect(summary).toMatchObject({ books: 2, added: 1, replaced: 1, removed: 2, unchanged: 0 });
    const untouched = (await lstat(path.join(dir, 'S2'))).ino;
    expect(await sync.syncAll()).toMatchObject({ added: 0, replaced: 0, removed: 0, unchanged: 2 });
    expect((await lstat(path.join(dir, 'S2'))).ino).toBe(untouched);
  });

  it('replaces a re-cut book whole, dropping its stale chunk names', async () => {
    const sync = new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir });
    await publish('S1', ['old_1.mp3', 'old_2.mp3']);
    await sync.syncAll();
    await publish('S1', ['new_1.mp3']);
    expect(await sync.syncAll()).toMatchObject({ replaced: 1 });
    expect(await tree(dir)).toEqual({ S1: ['new_1.mp3'] });
  });

  it('keeps its state outside the listing directory, which holds nothing but book folders', async () => {
    await publish('S1', ['a.mp3']);
    await new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir }).syncAll();
    expect(await readdir(dir)).toEqual(['S1']);
    expect((await readdir(root)).sort()).toEqual(['.listing.shelfstack-sync', 'listing']);
  });

  it('costs the LIST pages and a GET only for manifests whose ETag changed', async () => {
    for (const b of ['S1', 'S2', 'S3']) await publish(b, ['a.mp3']);
    const s3 = emu.s3;
    const sync = new ListingSync({ s3, bucket: emu.bucket, dir, pageSize: 2 });
    await sync.syncAll();
    const counter = countRequests(s3);

    const quiet = await sync.syncAll();
    expect(quiet).toMatchObject({ manifestGets: 0, added: 0, replaced: 0, removed: 0, unchanged: 3 });
    expect(counter.counts).toEqual({ ListObjectsV2Command: quiet.listPages });

    await publish('S2', ['a.mp3', 'b.mp3']);
    counter.reset();
    const one = await sync.syncAll();
    expect(one).toMatchObject({ manifestGets: 1, replaced: 1, unchanged: 2 });
    expect(counter.counts).toEqual({ ListObjectsV2Command: one.listPages, GetObjectCommand: 1 });
    expect(one.listPages).toBeGreaterThanOrEqual(2);
  });

  it('syncs one book with one GET, and removes it when its manifest is gone', async () => {
    await publish('S1', ['a.mp3']);
    await publish('S2', ['b.mp3']);
    const sync = new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir });
    const counter = countRequests(emu.s3);
    await sync.syncBook('S1');
    expect(counter.counts).toEqual({ GetObjectCommand: 1 });
    expect(await tree(dir)).toEqual({ S1: ['a.mp3'] });
    await unpublish('S1');
    await sync.syncBook('S1');
    expect(await tree(dir)).toEqual({});
  });

  it('recovers from a crash between two books: the next run finishes the job and clears the leftovers', async () => {
    await publish('S1', ['a.mp3']);
    await publish('S2', ['b.mp3']);
    await publish('S3', ['c.mp3']);
    let applied = 0;
    const crashing = new ListingSync({
      s3: emu.s3,
      bucket: emu.bucket,
      dir,
      onProgress: () => {
        if (++applied === 1) throw new Error('power cut');
      },
    });
    await expect(crashing.syncAll()).rejects.toThrow('power cut');
    expect(Object.keys(await tree(dir))).toHaveLength(1);
    // A crash during a migration's two renames leaves the book out, and a half-made link in staging.
    const staging = path.join(root, '.listing.shelfstack-sync', 'staging');
    await mkdir(path.join(staging, 'S9.half'), { recursive: true });
    await rename(path.join(dir, 'S1'), path.join(staging, 'trash.S1.x'));

    await new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir }).syncAll();
    expect(await tree(dir)).toEqual({ S1: ['a.mp3'], S2: ['b.mp3'], S3: ['c.mp3'] });
    expect(await readdir(staging)).toEqual([]);
  });

  it('never shows a reader half a book while it is swapped in', async () => {
    const files = Array.from({ length: 300 }, (_, i) => `chunk_${i}.mp3`);
    await publish('S4', files);
    const sync = new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir });
    await mkdir(dir, { recursive: true });
    const seen = new Set<number>();
    let syncing = true;
    const reader = (async () => {
      while (syncing) {
        seen.add((await readdir(path.join(dir, 'S4')).catch(() => [])).length);
        await new Promise((r) => setImmediate(r));
      }
    })();
    await sync.syncAll();
    syncing = false;
    await reader;
    seen.add((await readdir(path.join(dir, 'S4'))).length);
    expect([...seen].every((n) => n === 0 || n === 300)).toBe(true);
    expect(seen.has(300)).toBe(true);
  });

  it('keeps each book a link to a versioned folder outside the listing, which the web server check follows; a removal takes both', async () => {
    await publish('S1', ['a_1.mp3']);
    const sync = new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir, graceMs: 0 });
    await sync.syncAll();
    const link = path.join(dir, 'S1');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    const version = path.resolve(dir, await readlink(link));
    expect(path.relative(dir, version).startsWith('..')).toBe(true);
    expect(await directoryListing(dir).has({ book: 'S1', file: 'a_1.mp3' })).toBe(true);
    expect(await directoryListing(dir).has({ book: 'S1', file: 'a_2.mp3' })).toBe(false);

    await publish('S1', ['a_1.mp3', 'a_2.mp3']);
    await sync.syncAll();
    expect(await directoryListing(dir).has({ book: 'S1', file: 'a_2.mp3' })).toBe(true);
    await expect(stat(version)).rejects.toMatchObject({ code: 'ENOENT' }); // the old version, past a grace of 0
    const second = path.resolve(dir, await readlink(link));

    await unpublish('S1');
    await sync.syncAll();
    await expect(lstat(link)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(second)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await directoryListing(dir).has({ book: 'S1', file: 'a_1.mp3' })).toBe(false);
  });

  it('keeps a replaced version for the grace, for readers that resolved the old link, and removes it after', async () => {
    await publish('S1', ['a_1.mp3']);
    await new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir }).syncAll();
    const old = path.resolve(dir, await readlink(path.join(dir, 'S1')));
    await publish('S1', ['b_1.mp3']);
    await new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir }).syncAll();
    expect(await readdir(old)).toEqual(['a_1.mp3']);
    await new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir, graceMs: 0 }).syncAll();
    await expect(stat(old)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await tree(dir)).toEqual({ S1: ['b_1.mp3'] });
  });

  it('a reader of <dir>/<book>/<file> during many replacements never misses a file in both versions, nor sees a mix', async () => {
    const common = ['c_1.mp3', 'c_2.mp3'];
    const versions = [[...common, 'x_3.mp3'], [...common, 'y_3.mp3', 'y_4.mp3']];
    await publish('S4', versions[0]!);
    const sync = new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir });
    await sync.syncAll();
    const allowed = new Set(versions.map((v) => [...v].sort().join(',')));
    const problems: string[] = [];
    let reads = 0;
    let replacing = true;
    const reader = (async () => {
      while (replacing) {
        for (const f of common) {
          await stat(path.join(dir, 'S4', f)).catch((e: NodeJS.ErrnoException) => problems.push(`${f}: ${e.code}`));
        }
        const seen = (await readdir(path.join(dir, 'S4')).catch((e: NodeJS.ErrnoException) => [e.code ?? 'error'])).sort().join(',');
        if (!allowed.has(seen)) problems.push(`listed ${seen}`);
        reads++;
      }
    })();
    for (let i = 1; i <= 40; i++) {
      await publish('S4', versions[i % 2]!);
      expect(await sync.syncBook('S4')).toMatchObject({ replaced: 1 });
    }
    replacing = false;
    await reader;
    expect(reads).toBeGreaterThan(40);
    expect(problems).toEqual([]);
  });

  it('leaves a book as it is when its manifest cannot be read, and says so', async () => {
    await publish('S1', ['a.mp3']);
    const sync = new ListingSync({ s3: emu.s3, bucket: emu.bucket, dir });
    await sync.syncAll();
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'listing/S1.json', Body: '{"book":"S1","chunks":"no"}' }));
    expect(await sync.syncAll()).toMatchObject({ errors: 1, removed: 0 });
    expect(await tree(dir)).toEqual({ S1: ['a.mp3'] });
  });
});
