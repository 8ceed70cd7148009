import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import mysql from 'mysql2/promise';
import { parseConfigFile, type Env } from '../../core/config';
import type { ProvisionRole } from '../../instance/provision/render';
import { startSsm, type StandIn } from '../support/boot-stand-ins';
import { useEmulators } from '../support/emulators';
import { boot as bootWith, execUnit, userDataOf } from '../support/provision-boot';

/**
 * A provisioned instance boots into a working server: for each role, the user-data's env file and
 * units, `shelfstack init` run for real (metadata and SSM stand-ins on loopback, the S3 and SQS
 * emulators), then every unit's ExecStart with the files it loads: in check mode for the daemons
 * (their real loadConfig), for real for the db backup. Test overrides may only replace variables
 * the env file sets (paths on this machine, ports), so a variable the env file lacks fails here.
 * There is no SSM emulator: the stand-in answers GetParameters in the API reference's shape.
 */
const emu = useEmulators('shelfstack-boot');
const SIGNING_KEY = randomBytes(24).toString('base64url');
const DB_PASSWORD = `pw "${randomBytes(6).toString('hex')}" $HOME \\ #x`;
const DB_PORT = Number(process.env.SHELFSTACK_TEST_DB_PORT ?? 3306);
const suffix = randomBytes(3).toString('hex');
const DB_NAME = `shelfstack_boot_${suffix}`;
const DB_USER = `boot_${suffix}`;
let ssm: StandIn;
const boot = (role: ProvisionRole, meta: Record<string, string>, paths: (dir: string) => Env) => bootWith(role, meta, ssm.url, paths);

beforeAll(async () => {
  ssm = await startSsm({ '/shelfstack/main/signing-key': SIGNING_KEY, '/shelfstack/main/db-password': DB_PASSWORD });
});
afterAll(async () => {
  await ssm?.close();
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: DB_PORT, user: 'root', password: '' });
  await conn.query(`DROP DATABASE IF EXISTS \`${DB_NAME}\``);
  await conn.query("DROP USER IF EXISTS ?@'%'", [DB_USER]);
  await conn.end();
});

describe('a provisioned instance boots into a working server', () => {
  it('web: init names the host from its slot tag and writes the signing key from SSM; web and agent start with what the files give', async () => {
    const booted = await boot('web', { 'instance-id': 'i-0bootweb', 'tags/instance/shelfstack:role': 'web', 'tags/instance/shelfstack:slot': 'www1', 'public-ipv4': '203.0.113.10' }, (dir) => ({
      SHELFSTACK_LISTING_DIR: path.join(dir, 'listing'),
      SHELFSTACK_CACHE_DIR: path.join(dir, 'cache'),
      SHELFSTACK_REPL_STATE_DIR: path.join(dir, 'replication'),
      // replserver's master copy, here a local folder (Unison syncs local roots the same way).
      SHELFSTACK_REPL_MASTER: path.join(dir, 'master'),
      SHELFSTACK_REPL_LOCAL_BASE: path.join(dir, 'www'),
    }));
    expect(booted.init.stderr).toBe('');
    expect(booted.init.code).toBe(0);
    expect(booted.hostnames).toBe('set-hostname www1.shop.example.com\n');
    expect(booted.init.stdout).not.toContain(SIGNING_KEY);
    expect(parseConfigFile(booted.bootEnv, 'boot.env')).toEqual({ SHELFSTACK_SIGNING_KEY: SIGNING_KEY, SHELFSTACK_DB_PASSWORD: DB_PASSWORD });
    expect((await stat(path.join(booted.dir, 'boot.env'))).mode & 0o777).toBe(0o600);

    const { units: list } = userDataOf('web');
    expect(list.map((u) => u.name).sort()).toEqual(['shelfstack-agent.service', 'shelfstack-init.service', 'shelfstack-replication.service', 'shelfstack-web.service']);
    const web = list.find((u) => u.name === 'shelfstack-web.service')!;
    expect(web.execStart.slice(1)).toEqual(['web', '--host', '127.0.0.1', '--port', '8080', '--x-accel-redirect', '/_cache/']);
    for (const name of ['shelfstack-web.service', 'shelfstack-agent.service']) {
      const res = await execUnit(list.find((u) => u.name === name)!, booted, 'web', ['--check']);
      expect(`${name}: ${res.stderr}`).toBe(`${name}: `);
      expect(res.stdout).toMatch(/configuration ok/);
      expect(res.code).toBe(0);
    }
    expect(parseConfigFile(booted.envText, 'env').SHELFSTACK_CACHE_ADMIN_URL).toBe('http://127.0.0.1:8081');

    // The replication unit for real: one Unison run against the master copy.
    await mkdir(path.join(booted.dir, 'master', 'podcasts'), { recursive: true });
    await writeFile(path.join(booted.dir, 'master', 'podcasts', 'ep1.mp3'), 'from the master');
    const repl = await execUnit(list.find((u) => u.name === 'shelfstack-replication.service')!, booted, 'web');
    expect(repl.stdout).toMatch(/^replication run: ok/m);
    expect(repl.code).toBe(0);
    expect(await readFile(path.join(booted.dir, 'www', 'podcasts', 'ep1.mp3'), 'utf8')).toBe('from the master');

    // The check is the real loadConfig: without a variable the start stops, naming it.
    const short = { ...booted, envText: booted.envText.replace(/^SHELFSTACK_CACHE_MAX_BYTES=.*\n/m, '') };
    const res = await execUnit(web, short, 'web', ['--check']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe('shelfstack web: SHELFSTACK_CACHE_MAX_BYTES is required but not set');
  });

  it('db: init creates the database and its user with the password from SSM, and the backup unit logs in with it', async () => {
    const booted = await boot('db', { 'instance-id': 'i-0bootdb', 'tags/instance/shelfstack:role': 'db,repl', 'tags/instance/shelfstack:slot': 'db', 'local-ipv4': '10.0.1.5' }, () => ({
      SHELFSTACK_DB_NAME: DB_NAME,
      SHELFSTACK_DB_USER: DB_USER,
      // This machine's MariaDB over TCP as root (on the instance: its socket, unix_socket auth).
      SHELFSTACK_DB_ADMIN_SOCKET: '',
    }));
    expect(booted.init.stderr).toBe('');
    expect(booted.init.code).toBe(0);
    expect(booted.hostnames).toBe('set-hostname db.shop.example.com\n');
    expect(parseConfigFile(booted.bootEnv, 'boot.env')).toEqual({ SHELFSTACK_DB_PASSWORD: DB_PASSWORD, MYSQL_PWD: DB_PASSWORD });

    const backup = userDataOf('db').units.find((u) => u.name === 'shelfstack-db-backup.service')!;
    const res = await execUnit(backup, { ...booted, envText: `${booted.envText}SHELFSTACK_DB_PORT=${DB_PORT}\n` }, 'db,repl');
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^db backup: backups\/db\/shelfstack_boot_\w+\/.*\.sql\.gz/);
    expect(res.code).toBe(0);
    const listed = await emu.s3.send(new ListObjectsV2Command({ Bucket: emu.bucket, Prefix: `backups/db/${DB_NAME}/` }));
    expect(listed.KeyCount).toBe(1);

    // A second boot (a reattached volume, the same password) changes nothing.
    const again = await boot('db', { 'instance-id': 'i-0bootdb', 'tags/instance/shelfstack:role': 'db,repl', 'tags/instance/shelfstack:slot': 'db' }, () => ({
      SHELFSTACK_DB_NAME: DB_NAME, SHELFSTACK_DB_USER: DB_USER, SHELFSTACK_DB_ADMIN_SOCKET: '',
    }));
    expect(again.init.code).toBe(0);
  });

  it('ftp: init announces the public address for passive mode, and the server starts with it', async () => {
    const booted = await boot('ftp', { 'instance-id': 'i-0bootftp', 'tags/instance/shelfstack:role': 'ftp', 'public-ipv4': '203.0.113.21', 'local-ipv4': '10.0.1.9' }, (dir) => ({
      SHELFSTACK_FTP_DIR: path.join(dir, 'ftp'),
      SHELFSTACK_FTP_USERS: path.join(dir, 'ftp-users.json'),
    }));
    expect(booted.init.stderr).toBe('');
    expect(booted.init.code).toBe(0);
    expect(booted.hostnames).toBe(''); // no slot tag: the hostname EC2 gave stays
    expect(booted.bootEnv).toBe("SHELFSTACK_FTP_PASV_URL='203.0.113.21'\n");
    for (const unit of userDataOf('ftp').units.filter((u) => u.name !== 'shelfstack-init.service')) {
      const res = await execUnit(unit, booted, 'ftp', ['--check']);
      expect(`${unit.name}: ${res.stderr}`).toBe(`${unit.name}: `);
      expect(res.code).toBe(0);
    }
  });

  it('stops init with one line naming a missing parameter, never a value', async () => {
    const saved = ssm;
    ssm = await startSsm({ '/shelfstack/main/db-password': DB_PASSWORD });
    try {
      const booted = await boot('web', { 'instance-id': 'i-0bootweb2', 'tags/instance/shelfstack:role': 'web' }, (dir) => ({ SHELFSTACK_LISTING_DIR: path.join(dir, 'listing') }));
      expect(booted.init.code).toBe(1);
      expect(booted.init.stderr).toBe('shelfstack init: SecretsError: SSM parameter /shelfstack/main/signing-key is required but does not exist\n');
      expect(`${booted.init.stdout}${booted.init.stderr}`).not.toContain(DB_PASSWORD);
    } finally {
      await ssm.close();
      ssm = saved;
    }
  });
});
