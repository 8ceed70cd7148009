import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Env } from '../../../core/config';
import { BLOCK_BEGIN, mergeHostsBlock } from '../../../core/hosts-block';
import { HOSTS_KEY, MANIFEST_PREFIX, parseManifestKey } from '../../../core/keys';
import { bareEtag } from '../../../core/manifest';
import { getText, listAll } from '../../../cloud/s3';
import { resolveIdentity, type Identity } from '../../../instance/identity';
import { defaultStateDir } from '../../../instance/listing-sync';
import { countOf } from '../../plural';
import { ago, errorText, fail, ok, skip, type CheckResult } from './result';

/** Who this machine is, if it is an instance: the overrides, else the metadata service (unless disabled). */
export async function checkIdentity(env: Env): Promise<{ result: CheckResult; identity?: Identity }> {
  const overridden = Boolean(env.SHELFSTACK_INSTANCE_ID?.trim() && env.SHELFSTACK_ROLE?.trim());
  if (!overridden && env.AWS_EC2_METADATA_DISABLED === 'true') {
    return { result: skip('instance', 'not an instance (no SHELFSTACK_INSTANCE_ID/SHELFSTACK_ROLE, metadata service disabled): instance checks skipped') };
  }
  try {
    const identity = await resolveIdentity(env);
    const source = overridden ? 'SHELFSTACK_INSTANCE_ID/SHELFSTACK_ROLE' : 'the metadata service and tags';
    return { result: ok('instance', `${identity.instanceId}, roles ${identity.roles.join(',')} (from ${source})`), identity };
  } catch (e: unknown) {
    if (overridden) return { result: fail('instance', errorText(e), 'correct SHELFSTACK_INSTANCE_ID/SHELFSTACK_ROLE') };
    return { result: skip('instance', `not an instance (the metadata service does not answer: ${errorText(e)}): instance checks skipped`) };
  }
}

/** The hosts file's managed block against the published cluster/hosts. */
export async function checkHostsBlock(s3: S3Client, bucket: string, hostsFile: string): Promise<CheckResult> {
  const check = `hosts block in ${hostsFile}`;
  let current: string;
  try {
    current = await readFile(hostsFile, 'utf8');
  } catch (e: unknown) {
    return fail(check, `cannot read it: ${errorText(e)}`, 'check SHELFSTACK_HOSTS_FILE');
  }
  let published: string | undefined;
  try {
    published = (await getText(s3, bucket, HOSTS_KEY))?.text;
  } catch (e: unknown) {
    return fail(check, `cannot read s3://${bucket}/${HOSTS_KEY}: ${errorText(e)}`, 'see the S3 line');
  }
  if (published === undefined) return fail(check, `s3://${bucket}/${HOSTS_KEY} is not published`, 'the hosts function publishes it: check its logs, or run shelfstack plan and apply');
  if (!current.split(/\r?\n/).some((l) => l.trim() === BLOCK_BEGIN)) return fail(check, 'no shelfstack block', 'run shelfstack init (it installs the block)');
  if (mergeHostsBlock(current, published).changed) {
    return fail(check, `the block differs from s3://${bucket}/${HOSTS_KEY}`, 'run shelfstack init; if it recurs, the agent misses hosts-changed signals (see its signal queue line)');
  }
  return ok(check, `matches s3://${bucket}/${HOSTS_KEY}`);
}

/** The listing directory's sync state (beside it) against the manifests' ETags in S3. */
export async function checkListing(s3: S3Client, bucket: string, listingDir: string, now = Date.now()): Promise<CheckResult> {
  const check = `listing ${listingDir}`;
  const statePath = path.join(defaultStateDir(listingDir), 'state.json');
  const fix = `run shelfstack listing sync --dir ${listingDir}; if it recurs, the agent misses listing-changed signals (see its signal queue line)`;
  let state: { books?: Record<string, { etag: string }> };
  let syncedAt: number;
  try {
    state = JSON.parse(await readFile(statePath, 'utf8'));
    syncedAt = (await stat(statePath)).mtimeMs;
  } catch {
    return fail(check, `never synced (no ${statePath})`, fix);
  }
  let remote: Map<string, string>;
  try {
    remote = new Map();
    for (const o of await listAll(s3, bucket, MANIFEST_PREFIX)) {
      try {
        remote.set(parseManifestKey(o.key), bareEtag(o.etag));
      } catch {
        // Not a manifest key: the listing ignores it too.
      }
    }
  } catch (e: unknown) {
    return fail(check, `cannot list s3://${bucket}/${MANIFEST_PREFIX}: ${errorText(e)}`, 'see the S3 line');
  }
  const local = state.books ?? {};
  const behind = [...remote].filter(([book, etag]) => local[book]?.etag !== etag).map(([book]) => book);
  const gone = Object.keys(local).filter((book) => !remote.has(book));
  const detail = `${countOf(remote.size, 'book')} in S3; last sync ${ago((now - syncedAt) / 1000)}`;
  if (!behind.length && !gone.length) return ok(check, `${detail}; in step`);
  const sample = [...behind, ...gone].slice(0, 3).join(', ');
  return fail(check, `${detail}; ${countOf(behind.length, 'book')} behind S3, ${gone.length} gone from S3 still listed (e.g. ${sample})`, fix);
}
