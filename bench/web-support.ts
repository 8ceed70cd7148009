/**
 * Shared setup of the web benchmarks: the S3 emulator with 30 MB chunks, the real `shelfstack
 * web` process, nginx from Debian, and the load generators (wrk, or bench/web-client.ts for
 * timed concurrent downloads), each in its own process. Everything listens on 127.0.0.1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Emulator, type S3Emulator } from '../cli/local/emulators';
import { s3ClientOptions } from '../cloud/clients';
import { listAll } from '../cloud/s3';
import { uploadFile } from '../cloud/s3-upload';
import { bookPrefix, formatManifestKey } from '../core/keys';
import { buildManifest, serializeManifest } from '../core/manifest';
import { signedPath } from '../core/signing';

export const MB = 1024 * 1024;
export const CHUNK_BYTES = 30 * MB;
export const SIGNING_KEY = 'bench-signing-key-0123456789';
const ROOT = path.resolve(__dirname, '..');

process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// Servers this benchmark started; if it is interrupted they go with it rather than linger.
const started = new Set<ChildProcess>();
process.once('exit', () => started.forEach((c) => c.kill('SIGKILL')));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

function track(child: ChildProcess): ChildProcess {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

export function ensureTool(cmd: string, aptPackage: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`${cmd} is missing: sudo apt-get install -y ${aptPackage}`);
  console.log(`installing ${aptPackage} ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', aptPackage], { stdio: 'ignore', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', aptPackage], { stdio: 'ignore', env });
  }
  if (r.status !== 0) throw new Error(`could not install ${aptPackage}`);
}

export interface BenchWorld {
  dir: string;
  s3Server: S3Emulator;
  s3: S3Client;
  bucket: string;
  listingDir: string;
  cleanup(): Promise<void>;
}

export async function startWorld(): Promise<BenchWorld> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shelfstack-bench-'));
  const bucket = 'shelfstack-bench';
  const s3Server = await startS3Emulator({ directory: path.join(dir, 's3'), bucket });
  const s3 = new S3Client({ ...s3ClientOptions(), endpoint: s3Server.endpoint, forcePathStyle: true });
  const listingDir = path.join(dir, 'listing');
  return {
    dir,
    s3Server,
    s3,
    bucket,
    listingDir,
    cleanup: async () => {
      s3.destroy();
      await s3Server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Uploads `count` random 30 MB multipart chunks of one book, its manifest, and the web server's listing. */
export async function putChunks(world: BenchWorld, book: string, count: number): Promise<string[]> {
  const files = Array.from({ length: count }, (_, i) => `Chunk_${i + 1}.mp3`);
  await mkdir(path.join(world.listingDir, book), { recursive: true });
  for (const f of files) {
    // As `shelfstack import` uploads them: 8 MiB parts, a CRC32 full-object checksum.
    const local = path.join(world.dir, `upload-${f}`);
    await writeFile(local, randomBytes(CHUNK_BYTES));
    await uploadFile(world.s3, { bucket: world.bucket, key: `audiobooks/${book}/${f}`, path: local });
    await rm(local);
    await writeFile(path.join(world.listingDir, book, f), '');
  }
  const manifest = buildManifest(book, await listAll(world.s3, world.bucket, bookPrefix(book)))!;
  await world.s3.send(new PutObjectCommand({ Bucket: world.bucket, Key: formatManifestKey(book), Body: serializeManifest(manifest) }));
  return files;
}

export function signedLink(book: string, file: string): string {
  return signedPath(SIGNING_KEY, { book, file }, Math.floor(Date.now() / 1000) + 86_400);
}

export interface WebProcess {
  url: string;
  pid: number;
  cacheDir: string;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRss(): Promise<number>;
  stop(): Promise<void>;
}

/** The Environment= settings of the web server's systemd unit, so the bench runs it as EC2 does. */
function webUnitEnvironment(): Record<string, string> {
  const unit = readFileSync(path.join(ROOT, 'instance/provision/units/shelfstack-web.service'), 'utf8');
  return Object.fromEntries([...unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

export async function startWeb(world: BenchWorld, name: string, extraArgs: string[] = []): Promise<WebProcess> {
  const cacheDir = path.join(world.dir, `cache-${name}`);
  const child = track(spawn(process.execPath, [path.join(ROOT, 'bin/shelfstack.js'), 'web', '--port', '0', '--host', '127.0.0.1', ...extraArgs], {
    env: {
      ...process.env,
      // As on EC2: no legacy OpenSSL, and the Environment= of its systemd unit (V8 settings).
      NODE_OPTIONS: '',
      ...webUnitEnvironment(),
      // To compare other V8 settings: BENCH_WEB_NODE_OPTIONS= npm run bench -- web
      ...(process.env.BENCH_WEB_NODE_OPTIONS !== undefined ? { NODE_OPTIONS: process.env.BENCH_WEB_NODE_OPTIONS } : {}),
      AWS_ENDPOINT_URL_S3: world.s3Server.endpoint,
      SHELFSTACK_BUCKET: world.bucket,
      SHELFSTACK_LISTING_DIR: world.listingDir,
      SHELFSTACK_CACHE_DIR: cacheDir,
      SHELFSTACK_CACHE_MAX_BYTES: '20G',
      SHELFSTACK_CACHE_MAX_AGE: '7d',
      SHELFSTACK_SIGNING_KEY: SIGNING_KEY,
      SHELFSTACK_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  }));
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /"message":"web_listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"message":"web_listening"/.exec(text);
      if (m) resolve(Number(m[1] ?? m[2]));
    });
    child.once('exit', (code) => reject(new Error(`shelfstack web exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    cacheDir,
    peakRss: async () => Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
    stop: () => stopChild(child),
  };
}

/**
 * The second reference for hits: a bare Node `http` server piping `fs.createReadStream` (1 MiB
 * reads) of files under `root`, with the web unit's V8 settings: what Node itself can send.
 */
export async function startBareNode(root: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = track(
    spawn(process.execPath, [path.join(__dirname, 'bare-file-server.js'), root, String(port)], {
      env: { ...process.env, NODE_OPTIONS: '', ...webUnitEnvironment() },
      stdio: 'inherit',
    }),
  );
  await waitForPort(port);
  return { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Polls until a file exists (a fill renames its chunk in just after the response ends). */
export async function waitForFile(p: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await stat(p).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${p} never appeared`);
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/**
 * nginx from Debian, one worker (the Node server is one process too), sendfile on, serving
 * `root` as static files; with `proxyTo`, everything else goes to the Node server and its
 * X-Accel-Redirect answers are served from `root` under /_cache/.
 */
export async function startNginx(world: BenchWorld, root: string, opts: { proxyTo?: string; name: string }): Promise<{ url: string; stop(): Promise<void> }> {
  ensureTool('nginx', 'nginx-light');
  const port = await freePort();
  const prefix = path.join(world.dir, `nginx-${opts.name}`);
  await mkdir(path.join(prefix, 'logs'), { recursive: true });
  const upstream = opts.proxyTo ? `upstream shelfstack { server ${new URL(opts.proxyTo).host}; keepalive 64; }` : '';
  const locations = opts.proxyTo
    ? `location /_cache/ { internal; alias ${root}/; etag off; if_modified_since off; add_header ETag $upstream_http_etag; }
       location / { proxy_pass http://shelfstack; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }`
    : `location / { root ${root}; }`;
  // The bench's temp folders are private (0700): as root, the worker must read them as root too.
  const conf = `${process.getuid?.() === 0 ? 'user root;' : ''} daemon off; worker_processes 1; pid ${prefix}/nginx.pid; error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  types { audio/mpeg mp3; } default_type application/octet-stream;
  ${upstream}
  server { listen 127.0.0.1:${port}; ${locations} }
}`;
  const confPath = path.join(prefix, 'nginx.conf');
  await writeFile(confPath, conf);
  const child = track(spawn('nginx', ['-p', prefix, '-c', confPath], { stdio: 'inherit' }));
  await waitForPort(port);
  return { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: MB, GB: 1024 * MB, TB: 1024 * 1024 * MB };

/** Runs a command to its end without blocking this process's event loop (the S3 emulator lives here). */
function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** wrk against one URL; returns body+header bytes per second and requests per second. */
export async function wrk(url: string, connections: number, seconds: number): Promise<{ bytesPerSec: number; reqPerSec: number }> {
  ensureTool('wrk', 'wrk');
  const threads = Math.min(2, connections);
  const r = await run('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '60s', url]);
  const transfer = /Transfer\/sec:\s+([\d.]+)(\w+)/.exec(r.stdout);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  if (!transfer || !rps) throw new Error(`wrk failed: ${r.stdout}${r.stderr}`);
  return { bytesPerSec: Number(transfer[1]) * (UNITS[transfer[2]!] ?? 1), reqPerSec: Number(rps[1]) };
}

/** bench/web-client.ts in its own process: N concurrent GETs of one URL (or an SDK GET of one key). */
export async function timedDownloads(args: { url?: string; s3Endpoint?: string; bucket?: string; key?: string; concurrency: number }): Promise<{
  ms: number;
  bytes: number;
  statuses: number[];
  firstByteMs: { median: number; max: number };
}> {
  const r = await run(process.execPath, ['--import', 'tsx', path.join(__dirname, 'web-client.ts'), JSON.stringify(args)], { ...process.env, NODE_OPTIONS: '' });
  if (r.status !== 0) throw new Error(`web-client failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export const fmtMBs = (bps: number) => `${(bps / MB).toFixed(0)} MB/s`;
