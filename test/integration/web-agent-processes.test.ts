import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { publishSignal } from '../../cloud/signals';
import { parseConfigFile } from '../../core/config';
import { renderUnit } from '../../instance/provision/render';
import { tempDir, useEmulators } from '../support/emulators';
import { addToListing, fetchRaw, link, putBook, randomChunk, SIGNING_KEY } from '../support/web';
import { waitFor } from '../support/wait';

/**
 * `shelfstack web` and `shelfstack agent` as two processes, started from their systemd units'
 * ExecStart and Environment with one /etc/shelfstack/env of the shape provisioning writes; the
 * control plane's signals (as functions/sweep.ts publishes them) reach the web server's cache
 * only through the admin endpoints at SHELFSTACK_CACHE_ADMIN_URL.
 */
const emu = useEmulators('shelfstack-webagent');
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/shelfstack.js');
const CLUSTER = 'webagent';
const BOOK = 'B0801';
const chunks = { 'Old_1.mp3': randomChunk(40_000), 'Keep_1.mp3': randomChunk(50_000), 'Gone_1.mp3': randomChunk(60_000) };
const children: ChildProcess[] = [];
let root: string;

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (root) await rm(root, { recursive: true, force: true });
});

async function freeLoopbackPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** ExecStart's arguments after the shelfstack command, and the unit's own Environment= lines. */
function fromUnit(name: string): { args: string[]; env: Record<string, string> } {
  const text = renderUnit(name, '/usr/local/bin/shelfstack');
  const exec = /^ExecStart=\/usr\/local\/bin\/shelfstack (.+)$/m.exec(text)![1]!.trim().split(/\s+/);
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) env[m[1]!] = m[2]!;
  expect(/^EnvironmentFile=\/etc\/shelfstack\/env$/m.test(text)).toBe(true);
  return { args: exec, env };
}

interface Proc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  output: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let all = '';
  let pending = '';
  child.stdout!.on('data', (d: Buffer) => {
    all += d;
    pending += d.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  child.stderr!.on('data', (d: Buffer) => (all += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, output: () => all, exited };
}

const logged = (p: Proc, message: string, match: Record<string, unknown> = {}) =>
  p.lines.find((l) => l.message === message && Object.entries(match).every(([k, v]) => JSON.stringify(l[k]) === JSON.stringify(v)));

describe('shelfstack web and shelfstack agent as separate processes', () => {
  it('sweep and invalidate signals sent through SQS change the web server\'s cache on disk', async () => {
    root = await tempDir('shelfstack-webagent-');
    const listingDir = path.join(root, 'var/lib/shelfstack/listing');
    const cacheDir = path.join(root, 'var/cache/shelfstack');
    await putBook(emu, BOOK, chunks);
    const adminUrl = `http://127.0.0.1:${await freeLoopbackPort()}`;

    // /etc/shelfstack/env as provisioning writes it for a web server (render.ts envFile), with
    // this machine's folders; then what the instance gets from elsewhere (SSM, tags, IMDS).
    const envFile = path.join(root, 'env');
    await writeFile(
      envFile,
      [
        `SHELFSTACK_CLUSTER=${CLUSTER}`,
        `SHELFSTACK_BUCKET=${emu.bucket}`,
        'AWS_REGION=us-east-1',
        'SHELFSTACK_ROLE=web',
        `SHELFSTACK_LISTING_DIR=${listingDir}`,
        `SHELFSTACK_CACHE_DIR=${cacheDir}`,
        `SHELFSTACK_REPL_STATE_DIR=${path.join(root, 'var/lib/shelfstack/replication')}`,
        `SHELFSTACK_CACHE_ADMIN_URL=${adminUrl}`,
        'SHELFSTACK_CACHE_MAX_BYTES=1G',
        'SHELFSTACK_CACHE_MAX_AGE=7d',
        `SHELFSTACK_SIGNING_KEY=${SIGNING_KEY}`,
        '',
      ].join('\n'),
    );
    const shared: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...parseConfigFile(await readFile(envFile, 'utf8'), envFile),
      // The test machine's stand-ins for the instance: its id (IMDS), dummy keys, the emulators.
      SHELFSTACK_INSTANCE_ID: 'i-0webagent000001',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL_S3: emu.s3Server.endpoint,
      AWS_ENDPOINT_URL_SQS: emu.sqsServer.endpoint,
      SHELFSTACK_HOSTS_FILE: path.join(root, 'etc/hosts'),
      SHELFSTACK_CLOUD_INIT_CFG: path.join(root, 'etc/99-shelfstack.cfg'),
      // The SQS emulator answers a long poll only when its wait ends.
      SHELFSTACK_AGENT_WAIT_SECONDS: '1',
    };
    const webUnit = fromUnit('shelfstack-web.service');
    const agentUnit = fromUnit('shelfstack-agent.service');
    expect(webUnit.args[0]).toBe('web');
    expect(webUnit.args).toEqual(expect.arrayContaining(['--host', '127.0.0.1', '--port']));
    expect(agentUnit.args).toEqual(['agent']);

    // Port 8080 may be taken on a test machine: the download port is the one thing moved.
    const webArgs = webUnit.args.map((a, i, all) => (all[i - 1] === '--port' ? '0' : a));
    const web = start(webArgs, { ...shared, ...webUnit.env });
    await waitFor(() => logged(web, 'cache_admin_listening') && logged(web, 'web_listening'), 20_000, 'web listening').catch((e: Error) => {
      throw new Error(`${e.message}\n${web.output()}`);
    });
    expect(logged(web, 'cache_admin_listening')).toMatchObject({ host: '127.0.0.1', port: Number(new URL(adminUrl).port) });
    const webUrl = `http://127.0.0.1:${logged(web, 'web_listening')!.port as number}`;
    const agent = start(agentUnit.args, { ...shared, ...agentUnit.env });
    await waitFor(() => logged(agent, 'agent_started'), 20_000, 'agent started').catch((e: Error) => {
      throw new Error(`${e.message}\n${agent.output()}`);
    });

    // Fill the cache with the book's three chunks.
    await addToListing(listingDir, BOOK, Object.keys(chunks));
    for (const f of Object.keys(chunks)) expect((await fetchRaw(webUrl, link(BOOK, f))).status).toBe(200);
    const cachedPath = async (file: string) => {
      const found = (await readdir(path.join(cacheDir, 'chunks'), { recursive: true }).catch(() => [] as string[])).find((p) => path.basename(p) === file);
      return found && path.join(cacheDir, 'chunks', found);
    };
    for (const f of Object.keys(chunks)) await waitFor(() => cachedPath(f), 10_000, `${f} cached`);

    // invalidate, as the sweep function publishes it on an overwrite: the chunk's file goes.
    const gone = (await cachedPath('Gone_1.mp3'))!;
    expect(await publishSignal(emu.sqs, CLUSTER, { type: 'invalidate', data: { key: `audiobooks/${BOOK}/Gone_1.mp3` } })).toEqual({ queues: 1, delivered: 1 });
    await waitFor(() => !existsSync(gone), 15_000, 'the invalidated chunk removed').catch((e: Error) => {
      throw new Error(`${e.message}\nagent:\n${agent.output()}\nweb:\n${web.output()}`);
    });
    await waitFor(() => logged(agent, 'cache_invalidated', { book: BOOK, file: 'Gone_1.mp3', removed: true }), 5_000, 'cache_invalidated logged');
    expect(logged(web, 'cache_admin_request', { path: '/admin/cache/invalidate', status: 200 })).toBeDefined();

    // sweep: a chunk last read 8 days ago is over SHELFSTACK_CACHE_MAX_AGE (7d) and goes; the others stay.
    const old = (await cachedPath('Old_1.mp3'))!;
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
    await utimes(old, eightDaysAgo, eightDaysAgo);
    await publishSignal(emu.sqs, CLUSTER, { type: 'sweep', data: {} });
    await waitFor(() => !existsSync(old), 15_000, 'the over-age chunk swept');
    await waitFor(() => logged(agent, 'cache_swept', { removedFiles: 1, freedBytes: 40_000, cacheBytes: 50_000 }), 5_000, 'cache_swept logged');
    expect(logged(web, 'cache_admin_request', { path: '/admin/cache/sweep', status: 200 })).toBeDefined();
    expect(await cachedPath('Keep_1.mp3')).toBeDefined();

    // SIGTERM stops both, the admin listener with the download server.
    web.child.kill('SIGTERM');
    agent.child.kill('SIGTERM');
    expect(await web.exited).toBe(0);
    expect(await agent.exited).toBe(0);
    await expect(fetch(`${adminUrl}/admin/cache/sweep`, { method: 'POST', body: '{}' })).rejects.toThrow();
  }, 60_000);
});
