import { execFile, spawn } from 'node:child_process';
import { chmod, lstat, mkdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import memjs from 'memjs';
import { memcachedClient, memcachedStats } from '../../../cli/ops/sessions/memcached-sessions';
import { applySessionSettings, type SessionsStepOptions } from '../../../instance/sessions-step';
import { tempDir } from '../../support/emulators';
import { startMemcached, type Memcached } from '../../support/memcached';
import { pollUntil } from '../../support/poll';

const run = promisify(execFile);
let mc: Memcached;
let client: memjs.Client;
let dir: string;

beforeAll(async () => {
  [mc, dir] = await Promise.all([startMemcached(), tempDir('shelfstack-sessions-init-')]);
  client = memcachedClient(mc);
});
afterAll(async () => {
  client?.close();
  await Promise.all([mc?.stop(), dir && rm(dir, { recursive: true, force: true })]);
});

async function phpConf(name: string): Promise<string> {
  const root = path.join(dir, name);
  for (const sapi of ['apache2', 'cli']) await mkdir(path.join(root, sapi, 'conf.d'), { recursive: true });
  await mkdir(path.join(root, 'mods-available'), { recursive: true });
  return root;
}

function web(phpConfDir: string, reloads: string[], extra: Partial<SessionsStepOptions> = {}): SessionsStepOptions {
  return {
    roles: ['web'], sessions: 'memcached', memcached: { host: '127.0.0.1', port: mc.port }, sessionsLifetime: 1440,
    sessionsPrefix: 'memc.sess.key.', memcachedMemory: 64 * 1024 ** 2, phpConfDir,
    reload: async (s) => void reloads.push(s), ...extra,
  };
}

describe('init: the web servers\' PHP sessions, switched by SHELFSTACK_SESSIONS', () => {
  it('memcached: writes and enables the PHP settings, reloads Apache once, and a second run changes nothing', async () => {
    const root = await phpConf('switch');
    const reloads: string[] = [];
    const first = await applySessionSettings(web(root, reloads));
    const ini = path.join(root, 'mods-available', 'shelfstack-sessions.ini');
    expect(await readFile(ini, 'utf8')).toContain(`session.save_path = "127.0.0.1:${mc.port}"`);
    for (const sapi of ['apache2', 'cli']) expect(await readlink(path.join(root, sapi, 'conf.d', '30-shelfstack-sessions.ini'))).toBe(ini);
    expect(first.changes).toHaveLength(3);
    expect(reloads).toEqual(['apache2']);

    const second = await applySessionSettings(web(root, reloads));
    expect(second.changes).toEqual([]);
    expect(reloads).toEqual(['apache2']);
  });

  it('PHP with those settings (and nothing set by hand) keeps its session in memcached under the key migrate writes', async () => {
    const root = await phpConf('php');
    await applySessionSettings(web(root, []));
    // Debian's own conf.d (which loads php-memcached), then ours, as Apache reads them.
    const env = { ...process.env, PHP_INI_SCAN_DIR: `/etc/php/8.2/cli/conf.d:${path.join(root, 'cli', 'conf.d')}` };
    const script = "ini_set('session.use_cookies','0'); session_id('initcheck42'); session_start(); $_SESSION['who'] = 'Zoë'; session_write_close(); echo ini_get('session.save_handler'), ' ', ini_get('session.gc_maxlifetime');";
    const { stdout } = await run('php', ['-r', script], { env });
    expect(stdout).toBe('memcached 1440');
    const { value } = await client.get('memc.sess.key.initcheck42');
    expect(value?.toString()).toBe('who|s:4:"Zoë";');
  });

  it('mysql: removes the links and the settings again (the store\'s own handler), and reloads Apache', async () => {
    const root = await phpConf('back');
    await applySessionSettings(web(root, []));
    const reloads: string[] = [];
    const back = await applySessionSettings(web(root, reloads, { sessions: 'mysql' }));
    expect(back.changes).toHaveLength(3);
    await expect(lstat(path.join(root, 'apache2', 'conf.d', '30-shelfstack-sessions.ini'))).rejects.toThrow(/ENOENT/);
    await expect(lstat(path.join(root, 'mods-available', 'shelfstack-sessions.ini'))).rejects.toThrow(/ENOENT/);
    expect(reloads).toEqual(['apache2']);
    expect((await applySessionSettings(web(root, reloads, { sessions: 'mysql' }))).changes).toEqual([]);
  });
});

describe('init: the cache server\'s memcached', () => {
  it('writes /etc/memcached.conf on the private address with its memory, and Debian\'s memcached wrapper runs it', async () => {
    const conf = path.join(dir, 'memcached.conf');
    const reloads: string[] = [];
    const port = 20000 + Math.floor(Math.random() * 20000);
    const opts: SessionsStepOptions = {
      roles: ['cache'], sessions: 'memcached', memcached: { host: 'cacheserver', port }, sessionsLifetime: 1440, sessionsPrefix: 'memc.sess.key.',
      memcachedMemory: 96 * 1024 ** 2, phpConfDir: path.join(dir, 'none'), memcachedConf: conf,
      privateAddress: async () => '127.0.0.1', reload: async (s) => void reloads.push(s),
    };
    const first = await applySessionSettings(opts);
    expect(first.changes).toEqual([`${conf}: memcached on 127.0.0.1:${port}, 96 MB`]);
    expect(reloads).toEqual(['memcached']);
    expect((await applySessionSettings(opts)).changes).toEqual([]);

    // The conf as Debian's unit reads it (pid file and log moved out of the system's folders).
    const text = (await readFile(conf, 'utf8')).replace('/var/run/memcached/memcached.pid', path.join(dir, 'mc.pid')).replace('/var/log/memcached.log', path.join(dir, 'mc.log'));
    await chmod(dir, 0o777); // memcached writes its pid file as the memcache user
    const local = path.join(dir, 'memcached-local.conf');
    await writeFile(local, text);
    const child = spawn('/usr/share/memcached/scripts/systemd-memcached-wrapper', [local], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const stats = await pollUntil('memcached from the wrapper', () => memcachedStats({ host: '127.0.0.1', port }).catch(() => undefined), 10_000);
      expect(Number(stats!.limit_maxbytes)).toBe(96 * 1024 ** 2);
      expect(Number(stats!.max_connections)).toBe(4096);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('the cache role\'s cloud-init template', () => {
  it('passes cloud-init\'s own schema check and installs memcached', async () => {
    const template = await readFile(path.join(__dirname, '../../../instance/provision/templates/cache.yaml'), 'utf8');
    expect(template).toMatch(/^ {2}- memcached$/m);
    const file = path.join(dir, 'cache-user-data.yaml');
    await writeFile(file, `#cloud-config\n${template}`);
    const res = await run('cloud-init', ['schema', '-c', file]).catch((e: { stdout: string; stderr: string }) => e);
    expect(`${res.stdout}${res.stderr}`).toMatch(/Valid cloud-config/);
  });
});
