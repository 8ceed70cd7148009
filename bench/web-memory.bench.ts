/**
 * Memory: peak RSS (VmHWM) of the `shelfstack web` process while it serves 64 concurrent 30 MB
 * downloads — first as misses (4 chunks, 16 customers each, fills shared), then as hits.
 * Goal: at most 150 MB.
 */
import { putChunks, signedLink, startWeb, startWorld, timedDownloads } from './web-support';
import { runBench } from './support';

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

async function main() {
  const world = await startWorld();
  const book = 'BENCH3';
  try {
    const files = await putChunks(world, book, 4);
    const web = await startWeb(world, 'memory');
    await new Promise((r) => setTimeout(r, 1000));
    const idle = await web.peakRss();
    const all = (conc: number) =>
      Promise.all(files.map((f) => timedDownloads({ url: `${web.url}${signedLink(book, f)}`, concurrency: conc / files.length })));
    const missRuns = await all(64);
    const afterMisses = await web.peakRss();
    const hitRuns = await all(64);
    const afterHits = await web.peakRss();
    const ok = [...missRuns, ...hitRuns].every((r) => r.statuses.every((s) => s === 200) && r.bytes === r.statuses.length * 30 * 1024 * 1024);
    if (!ok) throw new Error('some downloads failed');
    console.log('memory: peak RSS of shelfstack web (VmHWM), 64 concurrent 30 MB downloads over 4 chunks');
    console.log(`  idle after start                     ${mb(idle)}`);
    console.log(`  64 concurrent misses (4 fills)       ${mb(afterMisses)}  (${(Math.max(...missRuns.map((r) => r.ms)) / 1000).toFixed(1)} s)`);
    console.log(`  then 64 concurrent hits              ${mb(afterHits)}  (${(Math.max(...hitRuns.map((r) => r.ms)) / 1000).toFixed(1)} s)  goal <= 150 MB`);
    await web.stop();
  } finally {
    await world.cleanup();
  }
}

runBench(main);
