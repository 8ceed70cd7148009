import { execFile } from 'node:child_process';
import { chmod, mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { InstanceMetadata } from '../cloud/imds';
import { readIfExists, writeFileAtomic } from './atomic-file';
import { fetchSecrets, renderEnvFile } from './secrets';

export interface BootOptions {
  ssm: SSMClient;
  cluster: string;
  roles: readonly string[];
  /** What the metadata service said; undefined when SHELFSTACK_INSTANCE_ID/_ROLE override it. */
  meta?: InstanceMetadata;
  domain?: string;
  /** Written 0600 (systemd reads it as root before a unit drops privileges). */
  bootEnvFile: string;
  setHostname?: (name: string) => Promise<void>;
}

export interface BootReport {
  changes: string[];
  notes: string[];
  env: Record<string, string>;
}

const SLOT_NAME = /^[a-z][a-z0-9-]{0,62}$/;

async function hostnamectl(name: string): Promise<void> {
  await promisify(execFile)('hostnamectl', ['set-hostname', name]);
}

/**
 * What one launch template cannot carry (it serves every slot): the hostname from the instance's
 * `shelfstack:slot` tag, the secrets from SSM, FTP's passive address from the instance's own.
 * All of it goes into the boot environment file that the units load after /etc/shelfstack/env.
 */
export async function runBootStep(opts: BootOptions): Promise<BootReport> {
  const changes: string[] = [];
  const notes: string[] = [];
  const env = await fetchSecrets(opts.ssm, opts.cluster, opts.roles);
  if (opts.roles.includes('ftp') && opts.meta) {
    if (opts.meta.address) env.SHELFSTACK_FTP_PASV_URL = opts.meta.address;
    else notes.push('the metadata service gave no address: FTP passive mode keeps SHELFSTACK_FTP_PASV_URL from the environment');
  }

  // Off EC2 (identity overridden) a role without secrets has nothing to write: no file appears.
  const text = renderEnvFile(env);
  const old = await readIfExists(opts.bootEnvFile);
  if (old !== text && !(old === undefined && text === '')) {
    await mkdir(path.dirname(opts.bootEnvFile), { recursive: true });
    // writeFileAtomic keeps an existing file's mode: narrow it first, so no copy is ever wider.
    if (await stat(opts.bootEnvFile).catch(() => undefined)) await chmod(opts.bootEnvFile, 0o600);
    await writeFileAtomic(opts.bootEnvFile, text, 0o600);
    changes.push(`${opts.bootEnvFile}: ${Object.keys(env).sort().join(', ') || 'no variables'}`);
  }

  const slot = opts.meta?.slot;
  if (slot !== undefined && !SLOT_NAME.test(slot)) notes.push(`the shelfstack:slot tag ${JSON.stringify(slot)} is not a host name: hostname left as it is`);
  else if (slot !== undefined) {
    const name = opts.domain ? `${slot}.${opts.domain}` : slot;
    if (os.hostname() !== name) {
      await (opts.setHostname ?? hostnamectl)(name);
      changes.push(`hostname ${name}`);
    }
  }
  return { changes, notes, env };
}
