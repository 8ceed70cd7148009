/**
 * Hits: throughput of cached 30 MB chunks at concurrency 1, 16 and 64 — `shelfstack web` alone
 * (Node streams the file), nginx in front of `shelfstack web --x-accel-redirect` (Node
 * authorises, nginx sends the file), and plain nginx from Debian (sendfile on) serving the very
 * same files, and a bare Node `http` + `fs.createReadStream` server as a second reference (what
 * Node itself can send). Goal: Node alone at least 0.9x nginx.
 */
import path from 'node:path';
import { fmtMBs, putChunks, signedLink, startBareNode, startNginx, startWeb, startWorld, timedDownloads, waitForFile, wrk } from './web-support';
import { runBench } from './support';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const CONCURRENCY = [1, 16, 64];

async function main() {
  const world = await startWorld();
  const book = 'BENCH1';
  try {
    const [file] = await putChunks(world, book, 1);
    const link = signedLink(book, file!);
    const web = await startWeb(world, 'node');
    const accelWeb = await startWeb(world, 'accel', ['--x-accel-redirect', '/_cache/']);
    for (const w of [web, accelWeb]) await timedDownloads({ url: `${w.url}${link}`, concurrency: 1 }); // fills each cache
    const etag = (await fetch(`${web.url}${link}`, { method: 'HEAD' })).headers.get('etag')!.replace(/"/g, '');
    for (const w of [web, accelWeb]) await waitForFile(path.join(w.cacheDir, 'chunks', book, etag, file!));
    const nginx = await startNginx(world, path.join(web.cacheDir, 'chunks'), { name: 'static' });
    const front = await startNginx(world, path.join(accelWeb.cacheDir, 'chunks'), { name: 'front', proxyTo: accelWeb.url });
    const urls = { node: `${web.url}${link}`, accel: `${front.url}${link}`, nginx: `${nginx.url}/${book}/${etag}/${file}` };
    for (const [name, url] of Object.entries(urls)) {
      const check = await timedDownloads({ url, concurrency: 1 });
      if (check.bytes !== 30 * 1024 * 1024 || check.statuses[0] !== 200) throw new Error(`${name} served ${check.bytes} bytes, status ${check.statuses[0]}`);
    }

    const bare = await startBareNode(path.join(web.cacheDir, 'chunks'));
    const servers = { ...urls, bare: `${bare.url}/${book}/${etag}/${file}` };
    // Interleaved trials: each round runs every server at every concurrency once, so the
    // machine's drift (2 shared cores) falls on all of them alike; medians, all trials in brackets.
    const figures: Record<string, Record<number, number[]>> = {};
    for (let t = 0; t < TRIALS; t++) {
      for (const c of CONCURRENCY) {
        for (const [name, url] of Object.entries(servers)) {
          ((figures[name] ??= {})[c] ??= []).push((await wrk(url, c, SECONDS)).bytesPerSec);
        }
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const cell = (name: string, c: number) => `${fmtMBs(med(figures[name]![c]!))} (${figures[name]![c]!.map((x) => (x / 1024 / 1024).toFixed(0)).join(', ')})`;
    // The ratio within each round, then its median: both servers of a ratio saw the same moment.
    const ratios = (a: string, b: string, c: number) => {
      const rs = figures[a]![c]!.map((x, i) => x / figures[b]![c]![i]!);
      return `${med(rs).toFixed(2)}x (${Math.min(...rs).toFixed(2)}-${Math.max(...rs).toFixed(2)})`;
    };
    console.log(`hits: one cached 30 MB chunk, ${TRIALS} interleaved trials of wrk ${SECONDS}s per cell, loopback, 2 cores shared with the load generator`);
    for (const c of CONCURRENCY) {
      console.log(`  ${c} connection(s): node alone (A) ${cell('node', c)}; nginx+X-Accel (B) ${cell('accel', c)}; nginx sendfile (N) ${cell('nginx', c)}; bare node (R) ${cell('bare', c)}`);
      console.log(`    A/N ${ratios('node', 'nginx', c)} (goal >= 0.9x)  A/R ${ratios('node', 'bare', c)}  R/N ${ratios('bare', 'nginx', c)}  B/N ${ratios('accel', 'nginx', c)}`);
    }
    await bare.stop();
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
    console.log(`peak RSS of shelfstack web: ${mb(await web.peakRss())} streaming hits itself, ${mb(await accelWeb.peakRss())} handing them to nginx`);
    await front.stop();
    await nginx.stop();
    await accelWeb.stop();
    await web.stop();
  } finally {
    await world.cleanup();
  }
}

runBench(main);
