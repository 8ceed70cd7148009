import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { signedPath } from '../../core/signing';
import { HEALTH_PORT, WEB_PORTS } from '../../instance/provision/render';
import { startSsm, type StandIn } from '../support/boot-stand-ins';
import { exitOf, startCli } from '../support/cli';
import { useEmulators } from '../support/emulators';
import { boot, unitEnv, userDataOf } from '../support/provision-boot';
import { fetchRaw, putBook, randomChunk, until } from '../support/web';

/**
 * The web server as provisioned, on loopback: nginx with the rendered site in front, the web unit's
 * ExecStart (its flags as written: --host 127.0.0.1, --x-accel-redirect /_cache/; only the port
 * moved to a free one) with its env files, and a stand-in for Apache. The health probe's port
 * answers /healthz from the download server, /metrics stays private, cache hits go out through
 * nginx's internal /_cache/ location.
 */
const emu = useEmulators('shelfstack-boot');
const SIGNING_KEY = randomBytes(24).toString('base64url');
let ssm: StandIn;
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ssm = await startSsm({ '/shelfstack/main/signing-key': SIGNING_KEY, '/shelfstack/main/db-password': 'pw' });
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await ssm?.close();
});

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = exitOf(child);
  child.kill('SIGTERM');
  await exited;
}

async function startNginx(dir: string, site: string): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v nginx']).status !== 0) throw new Error('nginx is missing: apt-get install -y nginx-light (npm test installs it when run as root)');
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  await writeFile(path.join(dir, 'site.conf'), site);
  // Debian's nginx.conf in short; as root the worker reads the test's private temp folders as root.
  const conf = `${process.getuid?.() === 0 ? 'user root;' : ''} daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/logs/error.log warn;
events {} http { access_log off; sendfile on; include /etc/nginx/mime.types; include ${dir}/site.conf; }`;
  await writeFile(path.join(dir, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
  stops.push(() => stopChild(child));
}

describe('the provisioned web server behind nginx', () => {
  it('answers the probe on nginx\'s port from the download server, hides /metrics, sends cache hits from nginx, the rest to Apache', async () => {
    const chunk = randomChunk(300_000);
    await putBook(emu, 'B1', { 'Part 1_1.mp3': chunk });
    const booted = await boot('web', { 'instance-id': 'i-0front', 'tags/instance/shelfstack:role': 'web', 'tags/instance/shelfstack:slot': 'www2' }, ssm.url, (dir) => ({
      SHELFSTACK_LISTING_DIR: path.join(dir, 'listing'),
      SHELFSTACK_CACHE_DIR: path.join(dir, 'cache'),
    }));
    expect(booted.init.stderr).toBe('');
    expect(booted.init.code).toBe(0);

    const { units, files } = userDataOf('web');
    const unit = units.find((u) => u.name === 'shelfstack-web.service')!;
    const [, ...args] = unit.execStart;
    const webPort = await freePort();
    const portAt = args.indexOf('--port');
    expect(args[portAt + 1]).toBe(String(WEB_PORTS.download));
    args[portAt + 1] = String(webPort);
    const web = await startCli(args, 'web_listening', unitEnv(unit, booted, 'web'));
    stops.push(() => stopChild(web.child));

    const store = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`store page ${req.url}`));
    await new Promise<void>((r) => store.listen(0, '127.0.0.1', r));
    stops.push(() => new Promise((r) => store.close(r)));
    const front = await freePort();
    const site = files.get('/etc/nginx/sites-available/shelfstack')!
      .replace(/^\s*listen 80 default_server;\n\s*listen \[::\]:80 default_server;$/m, `listen 127.0.0.1:${front};`)
      .replace(`127.0.0.1:${WEB_PORTS.download};`, `127.0.0.1:${webPort};`)
      .replace(`127.0.0.1:${WEB_PORTS.store};`, `127.0.0.1:${(store.address() as AddressInfo).port};`)
      .replace('alias /var/cache/shelfstack/chunks/;', `alias ${path.join(booted.dir, 'cache', 'chunks')}/;`);
    expect(site).toContain(`listen 127.0.0.1:${front};`);
    await startNginx(path.join(booted.dir, 'nginx'), site);
    const base = `http://127.0.0.1:${front}`;
    await until(async () => (await fetchRaw(base, '/healthz').catch(() => undefined)) !== undefined, 10_000, 'nginx to listen');

    expect(HEALTH_PORT).toBe(80); // the port that nginx's site listens on, as rewritten above
    const health = await fetchRaw(base, '/healthz');
    expect(health.status).toBe(200);
    expect((await fetchRaw(base, '/metrics')).status).toBe(404);
    const page = await fetchRaw(base, '/cart.php?x=1');
    expect(page.body.toString()).toBe('store page /cart.php?x=1');

    const link = signedPath(SIGNING_KEY, { book: 'B1', file: 'Part 1_1.mp3' }, Math.floor(Date.now() / 1000) + 600);
    const miss = await fetchRaw(base, link);
    expect(miss.status).toBe(200);
    expect(miss.body.equals(chunk)).toBe(true);
    const metrics = async () => (await fetchRaw(`http://127.0.0.1:${webPort}`, '/metrics')).body.toString();
    await until(async () => /^shelfstack_cache_fills_total\{result="cached"\} 1$/m.test(await metrics()), 10_000, 'the fill to enter the cache');
    const hit = await fetchRaw(base, link);
    expect(hit.status).toBe(200);
    expect(hit.body.equals(chunk)).toBe(true);
    expect(hit.headers['x-accel-redirect']).toBeUndefined();
    // Node sent the miss's bytes only: the hit went out from nginx's /_cache/.
    const after = await metrics();
    expect(after).toMatch(/^shelfstack_cache_hits_total 1$/m);
    expect(after).toMatch(new RegExp(`^shelfstack_web_bytes_served_total ${chunk.length}$`, 'm'));
    const ranged = await fetchRaw(base, link, { headers: { range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect(ranged.body.equals(chunk.subarray(10, 20))).toBe(true);
  });
});
