import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { tempDir, useEmulators } from '../../support/emulators';
import { addToListing, fetchRaw, link, putBook, randomChunk, SIGNING_KEY, startCountingProxy, until, type CountingProxy } from '../../support/web';
import { useIamRole } from '../../support/iam';

/** The real `shelfstack web` process, forked as systemd would start it. */
const emu = useEmulators('shelfstack-web-proc');
useIamRole('WebInstanceRole', { params: { bucket: 'shelfstack-web-proc' } });
let proxy: CountingProxy;
const BIN = path.resolve(__dirname, '../../../bin/shelfstack.js');
const MB = 1024 * 1024;
const BOOK = 'B0200';
const children: ChildProcess[] = [];
const roots: string[] = [];

beforeAll(async () => {
  proxy = await startCountingProxy(emu.s3Server.endpoint);
});

afterEach(() => {
  proxy.throttleBytesPer10ms = undefined;
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

afterAll(async () => {
  await proxy?.close();
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

function webEnv(dirs: { listingDir: string; cacheDir: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ENDPOINT_URL_S3: proxy.endpoint,
    SHELFSTACK_BUCKET: emu.bucket,
    SHELFSTACK_LISTING_DIR: dirs.listingDir,
    SHELFSTACK_CACHE_DIR: dirs.cacheDir,
    SHELFSTACK_CACHE_MAX_BYTES: '1G',
    SHELFSTACK_CACHE_MAX_AGE: '7d',
    SHELFSTACK_SIGNING_KEY: SIGNING_KEY,
  };
}

interface WebProcess {
  child: ChildProcess;
  url: string;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

async function startWebProcess(dirs: { listingDir: string; cacheDir: string }): Promise<WebProcess> {
  const child = spawn(process.execPath, [BIN, 'web', '--port', '0', '--host', '127.0.0.1', '--drain-seconds', '20'], {
    env: webEnv(dirs),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let pending = '';
  child.stdout!.on('data', (d: Buffer) => {
    pending += d.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await until(() => lines.some((l) => l.message === 'web_listening') || child.exitCode !== null, 20_000, 'web_listening');
  const listening = lines.find((l) => l.message === 'web_listening');
  if (!listening) throw new Error(`shelfstack web did not start: ${stderr}`);
  return { child, url: `http://127.0.0.1:${listening.port as number}`, lines, exited };
}

async function dirs() {
  const root = await tempDir('shelfstack-webproc-');
  roots.push(root);
  return { listingDir: path.join(root, 'listing'), cacheDir: path.join(root, 'cache') };
}

const filesUnder = async (dir: string) =>
  (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));

describe('the shelfstack web process', () => {
  test('killed with SIGKILL during a fill, it never serves the partial file after a restart', async () => {
    const d = await dirs();
    const body = randomChunk(4 * MB);
    const file = 'Killed_1.mp3';
    await putBook(emu, BOOK, { [file]: body });
    await addToListing(d.listingDir, BOOK, [file]);
    const first = await startWebProcess(d);
    proxy.throttleBytesPer10ms = 32 * 1024;
    const download = fetchRaw(first.url, link(BOOK, file)).catch(() => undefined);
    const tmp = path.join(d.cacheDir, 'tmp');
    await until(async () => {
      const [f] = await filesUnder(tmp);
      return f !== undefined && (await stat(f)).size > 256 * 1024;
    }, 10_000, 'a partial temp file');
    first.child.kill('SIGKILL');
    await first.exited;
    await download;
    expect(await filesUnder(path.join(d.cacheDir, 'chunks'))).toEqual([]);
    expect(await filesUnder(tmp)).toHaveLength(1);

    proxy.throttleBytesPer10ms = undefined;
    const second = await startWebProcess(d);
    expect(await filesUnder(tmp)).toEqual([]);
    const r = await fetchRaw(second.url, link(BOOK, file));
    expect(r.status).toBe(200);
    expect(r.body.equals(body)).toBe(true);
    expect(proxy.chunkGets.get(`audiobooks/${BOOK}/${file}`)).toBe(2);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  test('SIGTERM stops accepting, lets an in-flight download finish, then exits 0', async () => {
    const d = await dirs();
    const body = randomChunk(3 * MB);
    const file = 'Drain_1.mp3';
    await putBook(emu, BOOK, { [file]: body });
    await addToListing(d.listingDir, BOOK, [file]);
    const web = await startWebProcess(d);
    proxy.throttleBytesPer10ms = 64 * 1024;
    const download = fetchRaw(web.url, link(BOOK, file));
    await until(() => (proxy.chunkGets.get(`audiobooks/${BOOK}/${file}`) ?? 0) === 1, 10_000, 'the download to start');
    web.child.kill('SIGTERM');
    await until(() => web.lines.some((l) => l.message === 'web_draining'), 10_000, 'draining');
    await expect(fetchRaw(web.url, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    const r = await download;
    expect([r.status, r.complete, r.body.equals(body)]).toEqual([200, true, true]);
    expect(await web.exited).toBe(0);
  });

  test('`shelfstack sign` prints a link the server accepts', async () => {
    const d = await dirs();
    const body = randomChunk(10_000);
    const file = 'Signed Ünnep_1.mp3';
    await putBook(emu, BOOK, { [file]: body });
    await addToListing(d.listingDir, BOOK, [file]);
    const web = await startWebProcess(d);
    const out = spawnSync(process.execPath, [BIN, 'sign', `${BOOK}/${file}`, '--ttl', '60', '--base', web.url, '--customer', 'c1'], {
      env: webEnv(d),
      encoding: 'utf8',
    });
    expect(out.status).toBe(0);
    const url = new URL(out.stdout.trim());
    const r = await fetchRaw(web.url, `${url.pathname}${url.search}`);
    expect([r.status, r.body.equals(body)]).toEqual([200, true]);
    web.child.kill('SIGTERM');
    expect(await web.exited).toBe(0);
  });

  test('a missing setting stops the start with the variable name', () => {
    const env = webEnv({ listingDir: '/tmp/x', cacheDir: '/tmp/y' });
    delete env.SHELFSTACK_SIGNING_KEY;
    const out = spawnSync(process.execPath, [BIN, 'web', '--port', '0'], { env, encoding: 'utf8' });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/SHELFSTACK_SIGNING_KEY is required/);
  });
});
