/**
 * Memory: peak RSS (VmHWM) of the `shelfstack web` process, run as its systemd unit runs it,
 * while it serves 64 concurrent 30 MB downloads: first as misses (4 chunks, 16 customers each,
 * fills shared), then as hits. Peaks vary with GC timing, so each round is a fresh server on a
 * fresh cache and the worst round counts. Goal: at most 150 MB.
 */
import { putChunks, signedLink, startWeb, startWorld, timedDownloads } from './web-support';
import { runBench } from './support';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

async function main() {
  const world = await startWorld();
  const book = 'BENCH3';
  try {
    const files = await putChunks(world, book, 4);
    console.log(`memory: peak RSS of shelfstack web (VmHWM), 64 concurrent 30 MB downloads over 4 chunks, ${ROUNDS} rounds`);
    console.log('  round  idle     misses (4 fills)   then hits');
    const peaks: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const web = await startWeb(world, `memory-${round}`);
      await new Promise((r) => setTimeout(r, 1000));
      const idle = await web.peakRss();
      const all = () => Promise.all(files.map((f) => timedDownloads({ url: `${web.url}${signedLink(book, f)}`, concurrency: 64 / files.length })));
      const missRuns = await all();
      const afterMisses = await web.peakRss();
      const hitRuns = await all();
      const afterHits = await web.peakRss();
      await web.stop();
      const ok = [...missRuns, ...hitRuns].every((r) => r.statuses.every((s) => s === 200) && r.bytes === r.statuses.length * 30 * 1024 * 1024);
      if (!ok) throw new Error('some downloads failed');
      const secs = (runs: typeof missRuns) => `${(Math.max(...runs.map((r) => r.ms)) / 1000).toFixed(1)} s`;
      console.log(`  ${String(round).padStart(5)}  ${mb(idle).padEnd(8)} ${`${mb(afterMisses)} (${secs(missRuns)})`.padEnd(18)} ${mb(afterHits)} (${secs(hitRuns)})`);
      peaks.push(afterHits);
    }
    console.log(`  worst peak ${mb(Math.max(...peaks))} (goal <= 150 MB)`);
  } finally {
    await world.cleanup();
  }
}

runBench(main);
