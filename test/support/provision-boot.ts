import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { parseConfigFile, type Env } from '../../core/config';
import { BOOT_ENV_FILE, ENV_FILE, renderUserData, type ProvisionRole, type ProvisionVars } from '../../instance/provision/render';
import { startImds } from './boot-stand-ins';
import { runCli } from './cli';
import { tempDir } from './emulators';

/**
 * Booting a provisioned instance on this machine: the role's user-data rendered, its env file and
 * units read back out of it, `shelfstack init` run for real (metadata stand-in, SSM stand-in, the
 * emulators), and a unit's ExecStart run with exactly the files it loads, as systemd would.
 */
export const VARS: ProvisionVars = {
  cluster: 'main',
  bucket: 'shelfstack-boot',
  region: 'eu-west-1',
  domain: 'shop.example.com',
  nodeVersion: '20.19.5',
  dataDevice: '/dev/sdf',
  replMaster: 'ssh://replserver//srv/www-master',
  dbName: 'shop',
};

export interface Unit { name: string; envFiles: { file: string; optional: boolean }[]; environment: Env; execStart: string[] }

/** The env file and the service units that the role's user-data writes. */
export function userDataOf(role: ProvisionRole): { env: string; files: Map<string, string>; units: Unit[] } {
  const doc = parse(renderUserData(role, VARS)) as { write_files: { path: string; content: string }[] };
  const files = new Map(doc.write_files.map((f) => [f.path, f.content]));
  const units = [...files].filter(([p]) => /^\/etc\/systemd\/system\/[^/]+\.service$/.test(p)).map(([p, text]) => {
    const values = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);
    return {
      name: path.basename(p),
      envFiles: values('EnvironmentFile').map((f) => ({ file: f.replace(/^-/, ''), optional: f.startsWith('-') })),
      environment: Object.fromEntries(values('Environment').map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      execStart: values('ExecStart')[0]!.split(' '),
    };
  });
  return { env: files.get(ENV_FILE)!, files, units };
}

/** The env file with this machine's paths: only variables it sets may be replaced, so a missing one still fails. */
export function localized(envText: string, changes: Env): string {
  const env = parseConfigFile(envText, ENV_FILE);
  for (const k of Object.keys(changes)) if (!(k in env)) throw new Error(`the env file has no ${k} (the test may only replace what it sets)`);
  return Object.entries({ ...env, ...changes }).map(([k, v]) => `${k}=${v}\n`).join('');
}

/** The environment of a unit: these files' variables, with nothing of the test's own SHELFSTACK_* (or MYSQL_PWD) to fill a gap. */
export function onlyFrom(...texts: string[]): Env {
  const blank = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('SHELFSTACK_') || k === 'MYSQL_PWD').map((k) => [k, '']));
  return Object.assign(blank, ...texts.map((t) => parseConfigFile(t, 'env')));
}

export interface Booted { dir: string; envText: string; bootEnv: string; init: Awaited<ReturnType<typeof runCli>>; hostnames: string }

/** Boots a role: init for real, its identity from a metadata stand-in holding `meta`, its secrets from `ssmUrl`. */
export async function boot(role: ProvisionRole, meta: Record<string, string>, ssmUrl: string, paths: (dir: string) => Env): Promise<Booted> {
  const dir = await tempDir(`shelfstack-boot-${role}-`);
  const fakeBin = path.join(dir, 'bin');
  await mkdir(fakeBin);
  // The hostname is set through hostnamectl; a stand-in on PATH records what init asks.
  await writeFile(path.join(fakeBin, 'hostnamectl'), `#!/bin/sh\necho "$@" >> ${dir}/hostnamectl.log\n`);
  await chmod(path.join(fakeBin, 'hostnamectl'), 0o755);
  await writeFile(path.join(dir, 'hostnamectl.log'), '');
  const envText = localized(userDataOf(role).env, { SHELFSTACK_BOOT_ENV: path.join(dir, 'boot.env'), ...paths(dir) });
  const imds = await startImds(meta);
  try {
    // systemd hands EnvironmentFile= to the process as its environment: so does the test.
    const init = await runCli(['init'], {
      ...onlyFrom(envText),
      // The identity comes from the metadata stand-in, as on EC2.
      SHELFSTACK_INSTANCE_ID: '',
      SHELFSTACK_ROLE: '',
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url,
      AWS_ENDPOINT_URL_SSM: ssmUrl,
      SHELFSTACK_HOSTS_FILE: path.join(dir, 'hosts'),
      SHELFSTACK_CLOUD_INIT_CFG: path.join(dir, '99-shelfstack.cfg'),
      PATH: `${fakeBin}:${process.env.PATH}`,
    });
    const bootEnv = init.code === 0 ? await readFile(path.join(dir, 'boot.env'), 'utf8') : '';
    return { dir, envText, bootEnv, init, hostnames: await readFile(path.join(dir, 'hostnamectl.log'), 'utf8') };
  } finally {
    await imds.close();
  }
}

/** A unit's environment: the files it loads, in order, then its Environment= lines, then the identity its tags give. */
export function unitEnv(unit: Unit, booted: Booted, roles: string): Env {
  const loaded: Record<string, string> = { [ENV_FILE]: booted.envText, [BOOT_ENV_FILE]: booted.bootEnv };
  const texts = unit.envFiles.map(({ file, optional }) => {
    if (loaded[file] === undefined && !optional) throw new Error(`${unit.name} loads ${file}, which nothing writes`);
    return loaded[file] ?? '';
  });
  return { ...onlyFrom(...texts), ...unit.environment, SHELFSTACK_INSTANCE_ID: 'i-0boot', SHELFSTACK_ROLE: roles };
}

/** Runs a unit's ExecStart (the shelfstack command) with its environment. */
export function execUnit(unit: Unit, booted: Booted, roles: string, extra: string[] = []) {
  const [bin, ...args] = unit.execStart;
  if (bin !== '/usr/local/bin/shelfstack') throw new Error(`${unit.name} runs ${bin}, not the shelfstack command`);
  return runCli([...args, ...extra], unitEnv(unit, booted, roles));
}
