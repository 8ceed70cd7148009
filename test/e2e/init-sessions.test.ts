import { mkdir, readFile, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import { startSsm, type StandIn } from '../support/boot-stand-ins';
import { runCli } from '../support/cli';
import { tempDir, useEmulators } from '../support/emulators';

const emu = useEmulators('shelfstack-init-sessions');
// A web server's init reads its signing key from SSM at every boot: a loopback stand-in answers.
let ssm: StandIn;
beforeAll(async () => {
  ssm = await startSsm({ '/shelfstack/initsess/signing-key': 'a-local-signing-key-0123456789', '/shelfstack/initsess/db-password': 'pw' });
});
afterAll(() => ssm?.close());

describe('shelfstack init switches PHP sessions with SHELFSTACK_SESSIONS, with no hand edit', () => {
  it('memcached writes and enables the settings; mysql takes them away; each run reports what changed', async () => {
    const dir = await tempDir('shelfstack-init-sessions-');
    try {
      const php = path.join(dir, 'php');
      await mkdir(path.join(php, 'apache2', 'conf.d'), { recursive: true });
      const env = {
        SHELFSTACK_CLUSTER: 'initsess', SHELFSTACK_BUCKET: emu.bucket, SHELFSTACK_ROLE: 'web', SHELFSTACK_INSTANCE_ID: 'i-0sessions',
        SHELFSTACK_LISTING_DIR: path.join(dir, 'listing'), SHELFSTACK_HOSTS_FILE: path.join(dir, 'hosts'),
        SHELFSTACK_CLOUD_INIT_CFG: path.join(dir, '99-shelfstack.cfg'), SHELFSTACK_PHP_CONF_DIR: php,
        AWS_ENDPOINT_URL_S3: emu.s3Server.endpoint, AWS_ENDPOINT_URL_SQS: emu.sqsServer.endpoint,
        AWS_ENDPOINT_URL_SSM: ssm.url, SHELFSTACK_BOOT_ENV: path.join(dir, 'boot.env'),
      };
      const ini = path.join(php, 'mods-available', 'shelfstack-sessions.ini');
      const link = path.join(php, 'apache2', 'conf.d', '30-shelfstack-sessions.ini');

      const on = await runCli(['init'], { ...env, SHELFSTACK_SESSIONS: 'memcached', SHELFSTACK_MEMCACHED: 'cacheserver:11211' });
      expect(on.code).toBe(0);
      expect(on.stdout).toContain(`changed: ${ini}: sessions in memcached at cacheserver:11211`);
      expect(on.stdout).toContain(`changed: ${link}: enabled`);
      expect(on.stdout).toContain("note: apache2 not reloaded: these are not the system's files");
      expect(await readFile(ini, 'utf8')).toMatch(/^session\.save_handler = memcached$/m);
      expect(await readlink(link)).toBe(ini);

      const again = await runCli(['init'], { ...env, SHELFSTACK_SESSIONS: 'memcached', SHELFSTACK_MEMCACHED: 'cacheserver:11211' });
      expect(again.stdout).toContain('init: nothing changed');

      const off = await runCli(['init'], env); // the default: mysql
      expect(off.code).toBe(0);
      expect(off.stdout).toContain(`changed: ${link}: removed (sessions back in MySQL)`);
      expect(off.stdout).toContain(`changed: ${ini}: removed (SHELFSTACK_SESSIONS=mysql)`);
      await expect(readFile(ini)).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
