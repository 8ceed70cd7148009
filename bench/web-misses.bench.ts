/**
 * Misses: 32 concurrent first requests for one uncached 30 MB chunk through `shelfstack web`,
 * timed against one direct GET of the same object from the S3 emulator. Goal: at most 1.2x,
 * with one origin GET (read from the server's own count of S3 GETs in /metrics).
 */
import { putChunks, signedLink, startWeb, startWorld, timedDownloads } from './web-support';
import { runBench } from './support';

async function originGets(webUrl: string): Promise<number> {
  const text = await (await fetch(`${webUrl}/metrics`)).text();
  return [...text.matchAll(/^shelfstack_origin_latency_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
}

/** Seconds the server's fills took, from its /metrics (one fill per uncached chunk). */
async function fillSeconds(webUrl: string): Promise<number> {
  const text = await (await fetch(`${webUrl}/metrics`)).text();
  return [...text.matchAll(/^shelfstack_cache_fill_seconds_sum\{[^}]*\} ([\d.e+-]+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
}

async function main() {
  const world = await startWorld();
  const book = 'BENCH2';
  try {
    const files = await putChunks(world, book, 3);
    const web = await startWeb(world, 'misses');
    // One direct GET first, so both sides read the emulator's file from the page cache.
    await timedDownloads({ s3Endpoint: world.s3Server.endpoint, bucket: world.bucket, key: `audiobooks/${book}/${files[0]}`, concurrency: 1 });
    const direct = await timedDownloads({ s3Endpoint: world.s3Server.endpoint, bucket: world.bucket, key: `audiobooks/${book}/${files[1]}`, concurrency: 1 });
    const direct32 = await timedDownloads({ s3Endpoint: world.s3Server.endpoint, bucket: world.bucket, key: `audiobooks/${book}/${files[2]}`, concurrency: 32 });
    const before = await originGets(web.url);
    const fillBefore = await fillSeconds(web.url);
    const misses = await timedDownloads({ url: `${web.url}${signedLink(book, files[1]!)}`, concurrency: 32 });
    const gets = (await originGets(web.url)) - before;
    const fillMs = ((await fillSeconds(web.url)) - fillBefore) * 1000;
    if (misses.statuses.some((s) => s !== 200) || misses.bytes !== 32 * 30 * 1024 * 1024) throw new Error(`misses failed: ${JSON.stringify(misses.statuses)}`);
    console.log('misses: one uncached 30 MB chunk, loopback');
    const fb = (r: typeof direct) => `first byte median ${r.firstByteMs.median.toFixed(0)} ms, max ${r.firstByteMs.max.toFixed(0)} ms`;
    console.log(`  one direct GET from the S3 emulator      ${direct.ms.toFixed(0)} ms (${fb(direct)})`);
    console.log(`  32 concurrent first requests (web)       ${misses.ms.toFixed(0)} ms until all 32 complete (${fb(misses)})`);
    console.log(`  the fill: one S3 GET into the cache      ${fillMs.toFixed(0)} ms while serving 32 -> fill / one direct GET ${(fillMs / direct.ms).toFixed(2)}x (goal <= 1.2x)`);
    console.log(`  ratio, all 32 done / one direct GET      ${(misses.ms / direct.ms).toFixed(2)}x (32 x 30 MB delivered vs 30 MB once)`);
    console.log(`  ratio, first byte (max) / direct         ${(misses.firstByteMs.max / direct.firstByteMs.median).toFixed(2)}x`);
    console.log(`  for scale: 32 concurrent direct GETs     ${direct32.ms.toFixed(0)} ms (another chunk; 32 S3 GETs) -> web/direct-32 ${(misses.ms / direct32.ms).toFixed(2)}x`);
    console.log(`  S3 GETs made by the web server           ${gets} (goal 1)`);
    // One customer alone on another uncached chunk: the miss path's own cost against a direct GET.
    const alone = await timedDownloads({ url: `${web.url}${signedLink(book, files[2]!)}`, concurrency: 1 });
    console.log(`  one first request alone (web)            ${alone.ms.toFixed(0)} ms -> ${(alone.ms / direct.ms).toFixed(2)}x one direct GET (goal <= 1.2x)`);
    await web.stop();
  } finally {
    await world.cleanup();
  }
}

runBench(main);
