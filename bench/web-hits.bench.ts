/**
 * Hits: throughput of cached 30 MB chunks at concurrency 1, 16 and 64 — `shelfstack web` alone
 * (Node streams the file), nginx in front of `shelfstack web --x-accel-redirect` (Node
 * authorises, nginx sends the file), and plain nginx from Debian (sendfile on) serving the very
 * same files. Goal: at least 0.8x nginx.
 */
import path from 'node:path';
import { fmtMBs, putChunks, ratio, signedLink, startNginx, startWeb, startWorld, timedDownloads, waitForFile, wrk } from './web-support';
import { runBench } from './support';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);

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

    console.log(`hits: one cached 30 MB chunk, wrk for ${SECONDS}s per cell, loopback, 2 cores shared with the load generator`);
    console.log('concurrency  node alone (A)   nginx+X-Accel (B)  nginx sendfile (N)  A/N     B/N');
    for (const c of [1, 16, 64]) {
      const a = await wrk(urls.node, c, SECONDS);
      const b = await wrk(urls.accel, c, SECONDS);
      const n = await wrk(urls.nginx, c, SECONDS);
      console.log(
        `${String(c).padStart(11)}  ${fmtMBs(a.bytesPerSec).padEnd(16)} ${fmtMBs(b.bytesPerSec).padEnd(18)} ${fmtMBs(n.bytesPerSec).padEnd(19)} ${ratio(a.bytesPerSec, n.bytesPerSec).padEnd(7)} ${ratio(b.bytesPerSec, n.bytesPerSec)}`,
      );
    }
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
