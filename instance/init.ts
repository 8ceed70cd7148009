import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { signalQueueName } from '../core/signals';
import { findQueueUrl } from '../cloud/sqs';
import { installHosts } from './hosts-step';
import type { Identity } from './identity';
import { ListingSync } from './listing-sync';
import { silentLogger, type Logger } from './logger';
import { applySessionSettings, type SessionSettings } from './sessions-step';
import { ensureSignalQueue } from './signal-consumer';

export interface InitOptions {
  s3: S3Client;
  sqs: SQSClient;
  cluster: string;
  bucket: string;
  identity: Identity;
  hostsFile: string;
  cloudInitCfg: string;
  /** Needed on a web server: the listing directory to sync. */
  listingDir?: string;
  /** PHP's session store on a web server, memcached's configuration on a cache server (issue 13). */
  sessions?: SessionSettings;
  logger?: Logger;
}

export interface InitReport {
  changes: string[];
  notes: string[];
  queueUrl: string;
}

/**
 * The boot step of every role (cloud-init runs it at each boot; an operator may run it any time):
 * hosts block, sessions, signal queue, then the listing (web servers). Idempotent: a second run reports no changes.
 */
export async function runInit(opts: InitOptions): Promise<InitReport> {
  const logger = opts.logger ?? silentLogger;
  const { changes, notes } = await installHosts(opts);
  if (opts.sessions) {
    const s = await applySessionSettings({ ...opts.sessions, roles: opts.identity.roles });
    changes.push(...s.changes);
    notes.push(...s.notes);
  }

  // The queue before the listing: a `listing-changed` published while the sync runs waits in it
  // for the consumer, instead of reaching no queue and waiting for the next full sync.
  const name = signalQueueName(opts.cluster, opts.identity.instanceId);
  let queueUrl = await findQueueUrl(opts.sqs, name);
  if (!queueUrl) {
    queueUrl = await ensureSignalQueue(opts.sqs, opts.cluster, opts.identity.instanceId);
    changes.push(`signal queue ${name} created`);
  }

  if (opts.identity.roles.includes('web')) {
    if (!opts.listingDir) throw new Error('a web server needs SHELFSTACK_LISTING_DIR');
    const s = await new ListingSync({ s3: opts.s3, bucket: opts.bucket, dir: opts.listingDir, logger }).syncAll();
    if (s.added + s.replaced + s.removed > 0) {
      changes.push(`${opts.listingDir}: ${s.added} books added, ${s.replaced} replaced, ${s.removed} removed`);
    }
    if (s.errors) notes.push(`${s.errors} manifests could not be read; their books were left as they were`);
  }

  logger.info({ instance: opts.identity.instanceId, changes: changes.length }, 'init_done');
  return { changes, notes, queueUrl };
}
