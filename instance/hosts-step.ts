import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { CLOUD_INIT_HOSTS_OVERRIDE, mergeHostsBlock } from '../core/hosts-block';
import { HOSTS_KEY } from '../core/keys';
import { getText } from '../cloud/s3';
import { readIfExists, writeFileAtomic } from './atomic-file';

export interface HostsStepOptions {
  s3: S3Client;
  bucket: string;
  hostsFile: string;
  cloudInitCfg: string;
}

/**
 * Installs the published cluster/hosts as the managed block of the hosts file, and the cloud-init
 * drop-in that keeps `manage_etc_hosts` from rewriting it at the next boot. Returns what changed
 * (empty when nothing did) and notes; writes nothing that is already right.
 */
export async function installHosts(opts: HostsStepOptions): Promise<{ changes: string[]; notes: string[] }> {
  const changes: string[] = [];
  const notes: string[] = [];
  const cfg = await readIfExists(opts.cloudInitCfg);
  if (cfg !== CLOUD_INIT_HOSTS_OVERRIDE) {
    await mkdir(path.dirname(opts.cloudInitCfg), { recursive: true });
    await writeFileAtomic(opts.cloudInitCfg, CLOUD_INIT_HOSTS_OVERRIDE);
    changes.push(`${opts.cloudInitCfg}: manage_etc_hosts disabled`);
  }
  const published = await getText(opts.s3, opts.bucket, HOSTS_KEY);
  if (!published) {
    notes.push(`${HOSTS_KEY} is not published yet: ${opts.hostsFile} left as it is`);
    return { changes, notes };
  }
  const current = (await readIfExists(opts.hostsFile)) ?? '';
  const merged = mergeHostsBlock(current, published.text);
  if (merged.changed) {
    await writeFileAtomic(opts.hostsFile, merged.text);
    changes.push(`${opts.hostsFile}: managed block ${merged.previous ? 'updated' : 'added'}`);
  }
  return { changes, notes };
}
