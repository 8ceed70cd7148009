import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../support/emulators';
import { until } from '../support/web';

/**
 * The db server's volume step (instance/provision/files/db-volume.sh, the shelfstack-db-volume
 * unit) on a real block device: a loop device standing in for the EBS volume that the db
 * reconciler attaches after boot. Only that device is a candidate, and it is mounted in a temp
 * folder, so nothing else on this machine can be formatted or mounted over.
 */
const SCRIPT = path.resolve(__dirname, '../../instance/provision/files/db-volume.sh');
let dir: string;
let loop: string | undefined;

function sh(cmd: string, args: string[]): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${res.stderr || res.error?.message}`);
  return res.stdout.trim();
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (loop devices and mount), as npm test has here');
  // The step mounts whatever carries the label: refuse to run beside a real one.
  if (spawnSync('blkid', ['-L', 'mysqldata']).status === 0) throw new Error('a device labelled mysqldata exists on this machine: this test will not run beside it');
  dir = await tempDir('shelfstack-dbvol-');
  await chmod(dir, 0o755); // as /srv is: mariadb-install-db runs as mysql
  await writeFile(path.join(dir, 'volume.img'), '');
  await truncate(path.join(dir, 'volume.img'), 256 * 1024 * 1024); // sparse; InnoDB's redo log alone is 96 MB
});

afterAll(async () => {
  const mnt = path.join(dir, 'srv-mysql');
  if (spawnSync('mountpoint', ['-q', mnt]).status === 0) sh('umount', [mnt]);
  if (loop) sh('losetup', ['-d', loop]);
  await rm(dir, { recursive: true, force: true });
});

function runScript(): Promise<{ code: number | null; out: string }> {
  const env = { ...process.env, SHELFSTACK_DB_MOUNT: path.join(dir, 'srv-mysql'), SHELFSTACK_DB_CANDIDATES: path.join(dir, 'sdf') };
  const child = spawn('sh', [SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

describe('the db volume step', () => {
  it('waits for the volume, formats it only while blank, mounts it by label with a fresh data directory, and uses a reattached one as it is', async () => {
    const mnt = path.join(dir, 'srv-mysql');
    const first = runScript();
    // The instance boots before the reconciler attaches the volume.
    await new Promise((r) => setTimeout(r, 1500));
    loop = sh('losetup', ['-f', '--show', path.join(dir, 'volume.img')]);
    await symlink(loop, path.join(dir, 'sdf'));
    const booted = await first;
    expect(booted.out).toContain('waiting for the volume labelled mysqldata');
    expect(booted.out).toContain(`formatting the new volume ${loop} as mysqldata`);
    expect(booted.code).toBe(0);
    expect(sh('blkid', ['-o', 'value', '-s', 'LABEL', loop])).toBe('mysqldata');
    expect(spawnSync('mountpoint', ['-q', mnt]).status).toBe(0);
    expect(existsSync(path.join(mnt, 'data', 'mysql'))).toBe(true);
    await writeFile(path.join(mnt, 'data', 'marker'), 'the store\'s data');

    // The instance dies; the volume moves to a new one (here: unmounted, then the step again).
    sh('umount', [mnt]);
    const again = await runScript();
    expect(again.out).not.toContain('formatting');
    expect(again.out).not.toContain('a new data directory');
    expect(again.code).toBe(0);
    await until(() => existsSync(path.join(mnt, 'data', 'marker')), 5000, 'the mount');
    expect(await readFile(path.join(mnt, 'data', 'marker'), 'utf8')).toBe('the store\'s data');
  });
});
