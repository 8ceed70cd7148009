/**
 * The listing pipeline's costs, side by side in one run against the S3 emulator:
 * - `listing rebuild` over 20,000 chunks vs a bare ListObjectsV2 walk of the same bucket (goal ≤ 1.5×);
 * - a no-change `listing sync` of 2,000 books, then one after one book changed (goal: one folder
 *   touched, at most 3 requests beyond the LIST pages).
 */
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { listPages } from '../cloud/s3';
import { mapSettled } from '../core/concurrency';
import { buildManifest, serializeManifest } from '../core/manifest';
import { rebuildListing } from '../cli/ops/listing-rebuild';
import { ListingSync } from '../instance/listing-sync';
import { countRequests } from '../test/support/request-counter';
import { benchS3, median, row, runBench, timed } from './support';

const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20000);
const PER_BOOK = 5;
const SYNC_BOOKS = 2000;

async function main() {
  const { server, s3, dir } = await benchS3('shelfstack-bench');
  const bucket = 'shelfstack-bench';
  const put = (Key: string, Body: string) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));

  const keys = Array.from({ length: CHUNKS }, (_, i) => {
    const book = `B${String(Math.floor(i / PER_BOOK)).padStart(5, '0')}`;
    return `audiobooks/${book}/${book} chapter_${(i % PER_BOOK) + 1}.mp3`;
  });
  const seeding = await timed(() => mapSettled(keys, 32, (k) => put(k, 'x')));
  console.log(`seeded ${CHUNKS} chunks in ${seeding.seconds.toFixed(1)}s`);

  const walk = async () => {
    let n = 0;
    for await (const page of listPages(s3, bucket, 'audiobooks/')) n += page.length;
    if (n !== CHUNKS) throw new Error(`walk saw ${n} keys`);
  };
  const cold = await timed(() => rebuildListing({ s3, bucket }));
  // Alternate the two, so that load from elsewhere on the machine falls on both alike.
  const walks: number[] = [];
  const warms: number[] = [];
  for (let i = 0; i < 5; i++) {
    walks.push(await median(1, walk));
    warms.push(
      await median(1, async () => {
        const s = await rebuildListing({ s3, bucket });
        if (s.unchanged !== CHUNKS / PER_BOOK) throw new Error('warm rebuild changed manifests');
      }),
    );
  }
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const walkSeconds = mid(walks);
  const warmSeconds = mid(warms);

  console.log('\nlisting rebuild');
  row(`bare ListObjectsV2 walk of ${CHUNKS} chunks (median of 5)`, `${walkSeconds.toFixed(2)} s`);
  row('rebuild, nothing changed (median of 5, interleaved)', `${warmSeconds.toFixed(2)} s`, `ratio ${(warmSeconds / walkSeconds).toFixed(2)}× (goal ≤ 1.5×)`);
  row(`rebuild from scratch (writes ${cold.value.written} manifests)`, `${cold.seconds.toFixed(2)} s`, `ratio ${(cold.seconds / walkSeconds).toFixed(2)}×`);

  await benchSync(s3);
  s3.destroy();
  await server.close();
}

/** Inode and mtime of every book folder: what a sync touched. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const book of await readdir(dir)) {
    const st = await stat(path.join(dir, book));
    out.set(book, `${st.ino}:${st.mtimeMs}`);
  }
  return out;
}

async function benchSync(s3: Parameters<typeof rebuildListing>[0]['s3']) {
  const bucket = 'shelfstack-bench-sync';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const manifest = (book: string, n: number) =>
    serializeManifest(
      buildManifest(
        book,
        Array.from({ length: n }, (_, i) => ({ key: `audiobooks/${book}/${book}_${i + 1}.mp3`, size: 31457280, etag: '"e"', lastModified: new Date(0) })),
      )!,
    );
  const books = Array.from({ length: SYNC_BOOKS }, (_, i) => `S${String(i).padStart(5, '0')}`);
  await mapSettled(books, 32, (b) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `listing/${b}.json`, Body: manifest(b, PER_BOOK) })));

  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'shelfstack-bench-sync-')), 'listing');
  const sync = new ListingSync({ s3, bucket, dir });
  const first = await timed(() => sync.syncAll());
  const counter = countRequests(s3 as S3Client);

  const before = await snapshot(dir);
  counter.reset();
  const quiet = await timed(() => sync.syncAll());
  const quietRequests = { ...counter.counts };
  const afterQuiet = await snapshot(dir);
  const touchedQuiet = [...before].filter(([b, v]) => afterQuiet.get(b) !== v).length;

  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `listing/${books[1234]}.json`, Body: manifest(books[1234]!, PER_BOOK + 1) }));
  counter.reset();
  const one = await timed(() => sync.syncAll());
  const oneRequests = { ...counter.counts };
  const afterOne = await snapshot(dir);
  const touchedOne = [...afterQuiet].filter(([b, v]) => afterOne.get(b) !== v).map(([b]) => b);

  const beyond = (c: Record<string, number>) => Object.entries(c).filter(([k]) => k !== 'ListObjectsV2Command').reduce((n, [, v]) => n + v, 0);
  console.log(`\nlisting sync of ${SYNC_BOOKS} books`);
  row('first sync (every book added)', `${first.seconds.toFixed(2)} s`);
  row('no-change sync', `${quiet.seconds.toFixed(3)} s`, `${quietRequests.ListObjectsV2Command ?? 0} LIST pages, ${beyond(quietRequests)} other requests, ${touchedQuiet} folders touched`);
  row('sync after one book changed', `${one.seconds.toFixed(3)} s`, `${oneRequests.ListObjectsV2Command ?? 0} LIST pages, ${beyond(oneRequests)} other requests (goal ≤ 3), folders touched: ${touchedOne.join(' ') || 'none'} (goal: 1)`);
}

runBench(main);
