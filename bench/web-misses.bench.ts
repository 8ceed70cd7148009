/**
 * Misses: first requests for uncached 30 MB chunks through `shelfstack web`, timed against one
 * direct GET of a chunk from the S3 emulator, in interleaved trials (medians; these 2-core
 * machines are noisy). Goal: at most 1.2x, with one origin GET (the server's own count of S3
 * GETs in /metrics). Two shapes: one customer alone (what a miss adds to the GET), and 32
 * concurrent customers (which must also receive 32 x 30 MB: for scale, nginx sends those same
 * bytes from the filled cache with sendfile, and 32 direct GETs fetch them from the emulator).
 */
import path from 'node:path';
import { putChunks, signedLink, startNginx, startWeb, startWorld, timedDownloads, waitForFile } from './web-support';
import { runBench } from './support';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 5);

async function metricSum(webUrl: string, metric: string): Promise<number> {
  const text = await (await fetch(`${webUrl}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${metric}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'gm'))].reduce((s, m) => s + Number(m[1]), 0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`.padStart(8);
const spread = (xs: number[]) => `(${xs.map((x) => x.toFixed(0)).join(', ')})`;

async function main() {
  const world = await startWorld();
  const book = 'BENCH2';
  try {
    // One chunk for the direct GETs, then a fresh (uncached) chunk for every web trial.
    const files = await putChunks(world, book, 1 + 2 * TRIALS);
    const web = await startWeb(world, 'misses');
    const nginx = await startNginx(world, path.join(web.cacheDir, 'chunks'), { name: 'floor' });
    const directGet = () => timedDownloads({ s3Endpoint: world.s3Server.endpoint, bucket: world.bucket, key: `audiobooks/${book}/${files[0]}`, concurrency: 1 });
    // Each chunk's ETag, from a HEAD (which never fills): the cache keeps it at chunks/<book>/<etag>/<file>.
    const etags = new Map<string, string>();
    for (const f of files) etags.set(f, (await fetch(`${web.url}${signedLink(book, f)}`, { method: 'HEAD' })).headers.get('etag')!.replace(/"/g, ''));
    const cachedPath = (file: string) => path.join(book, etags.get(file)!, file);
    // A fill renames its chunk in just after the last byte went out: wait, so trials never overlap.
    const cached = (file: string) => waitForFile(path.join(web.cacheDir, 'chunks', cachedPath(file)));
    // Warm-up: both sides read the emulator's files from the page cache, and the web's S3 client is connected.
    await directGet();
    await directGet();

    const direct: number[] = [];
    const directFirstByte: number[] = [];
    const alone: number[] = [];
    const aloneFirstByte: number[] = [];
    const many: number[] = [];
    const manyFirstByte: number[] = [];
    const fills: number[] = [];
    const floor: number[] = [];
    const gets: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const d = await directGet();
      direct.push(d.ms);
      directFirstByte.push(d.firstByteMs.median);

      const one = files[1 + t]!;
      const a = await timedDownloads({ url: `${web.url}${signedLink(book, one)}`, concurrency: 1 });
      if (a.statuses[0] !== 200 || a.bytes !== 30 * 1024 * 1024) throw new Error(`a miss failed: ${a.statuses[0]}`);
      alone.push(a.ms);
      aloneFirstByte.push(a.firstByteMs.median);
      await cached(one);

      const shared = files[1 + TRIALS + t]!;
      const getsBefore = await metricSum(web.url, 'shelfstack_origin_latency_seconds_count');
      const fillBefore = await metricSum(web.url, 'shelfstack_cache_fill_seconds_sum');
      const m = await timedDownloads({ url: `${web.url}${signedLink(book, shared)}`, concurrency: 32 });
      if (m.statuses.some((s) => s !== 200) || m.bytes !== 32 * 30 * 1024 * 1024) throw new Error(`misses failed: ${JSON.stringify(m.statuses)}`);
      await cached(shared);
      many.push(m.ms);
      manyFirstByte.push(m.firstByteMs.max);
      gets.push((await metricSum(web.url, 'shelfstack_origin_latency_seconds_count')) - getsBefore);
      fills.push(((await metricSum(web.url, 'shelfstack_cache_fill_seconds_sum')) - fillBefore) * 1000);
      floor.push((await timedDownloads({ url: `${nginx.url}/${cachedPath(shared)}`, concurrency: 32 })).ms);
    }
    const direct32 = await timedDownloads({ s3Endpoint: world.s3Server.endpoint, bucket: world.bucket, key: `audiobooks/${book}/${files[0]}`, concurrency: 32 });

    const D = median(direct);
    console.log(`misses: uncached 30 MB chunks, loopback, ${TRIALS} interleaved trials, medians (all trials in brackets)`);
    console.log(`  one direct GET from the S3 emulator        ${ms(D)}  first byte ${median(directFirstByte).toFixed(0)} ms  ${spread(direct)}`);
    console.log(`  one first request alone (web)              ${ms(median(alone))}  first byte ${median(aloneFirstByte).toFixed(0)} ms  ${spread(alone)}`);
    console.log(`    -> ${(median(alone) / D).toFixed(2)}x one direct GET (goal <= 1.2x)`);
    console.log(`  32 concurrent first requests (web), all done ${ms(median(many))}  first byte (last of 32) ${median(manyFirstByte).toFixed(0)} ms  ${spread(many)}`);
    console.log(`    the one S3 GET (the fill) meanwhile      ${ms(median(fills))}  -> ${(median(fills) / D).toFixed(2)}x one direct GET`);
    console.log(`    S3 GETs made by the web server per trial ${gets.join(', ')} (goal 1)`);
    console.log(`    -> ${(median(many) / D).toFixed(2)}x one direct GET (goal <= 1.2x; 32 x 30 MB delivered vs 30 MB once)`);
    console.log(`  for scale, the same 32 x 30 MB:`);
    console.log(`    from nginx, the filled cache, sendfile   ${ms(median(floor))}  -> ${(median(floor) / D).toFixed(2)}x one direct GET; web misses / nginx hits ${(median(many) / median(floor)).toFixed(2)}x`);
    console.log(`    32 concurrent direct GETs (32 S3 GETs)   ${ms(direct32.ms)}  -> web misses / direct GETs ${(median(many) / direct32.ms).toFixed(2)}x`);
    await nginx.stop();
    await web.stop();
  } finally {
    await world.cleanup();
  }
}

runBench(main);
