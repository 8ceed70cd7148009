import { EventEmitter } from 'node:events';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { parseChunkKey } from '../core/keys';
import type { CacheControl } from './cache-control';
import { installHosts } from './hosts-step';
import type { ListingSync } from './listing-sync';
import { silentLogger, type Logger } from './logger';
import { ensureSignalQueue, SignalConsumer, type SignalHandlers } from './signal-consumer';

export interface AgentOptions {
  sqs: SQSClient;
  s3: S3Client;
  cluster: string;
  bucket: string;
  instanceId: string;
  /** A web server's listing; without it `listing-changed` signals are logged and dropped. */
  listing?: ListingSync;
  /** Where `hosts-changed` installs the hosts block; without it those signals are logged and dropped. */
  hosts?: { hostsFile: string; cloudInitCfg: string };
  /** The download cache; without it `sweep` and `invalidate` signals are logged and dropped. */
  cache?: CacheControl;
  /** A full listing sync this often, as a safety net for lost signals (0: never). */
  fullSyncEveryMs?: number;
  waitSeconds?: number;
  errorBackoffMs?: number;
  logger?: Logger;
}

/**
 * `shelfstack agent`: acts on the instance's signals. start() creates (or finds) the signal queue
 * and starts polling; stop() stops polling and the safety-net sync and waits for the work in hand.
 * Emits the consumer's `handled`, `dropped` and `failed`, and `synced` after each safety-net sync.
 */
export class Agent extends EventEmitter {
  private consumer: SignalConsumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private fullSync: Promise<unknown> = Promise.resolve();
  private running = false;
  private readonly logger: Logger;
  queueUrl: string | undefined;

  constructor(private readonly opts: AgentOptions) {
    super();
    this.logger = opts.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.queueUrl = await ensureSignalQueue(this.opts.sqs, this.opts.cluster, this.opts.instanceId);
    this.running = true;
    this.consumer = new SignalConsumer({
      sqs: this.opts.sqs,
      queueUrl: this.queueUrl,
      handlers: this.handlers(),
      logger: this.logger,
      waitSeconds: this.opts.waitSeconds,
      errorBackoffMs: this.opts.errorBackoffMs,
    });
    for (const event of ['handled', 'dropped', 'failed']) this.consumer.on(event, (x) => this.emit(event, x));
    this.consumer.start();
    this.armFullSync();
    this.logger.info({ instance: this.opts.instanceId, queueUrl: this.queueUrl }, 'agent_started');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    await Promise.all([this.consumer?.stop(), this.fullSync]);
    this.logger.info({ instance: this.opts.instanceId }, 'agent_stopped');
  }

  private handlers(): SignalHandlers {
    const { listing, hosts, cache } = this.opts;
    const handlers: SignalHandlers = {};
    if (listing) {
      handlers['listing-changed'] = async (s) => {
        const summary = await (s.data.book ? listing.syncBook(s.data.book) : listing.syncAll());
        if (summary.errors) throw new Error(`${summary.errors} manifests unreadable`);
      };
    }
    if (hosts) {
      handlers['hosts-changed'] = async () => {
        const { changes } = await installHosts({ s3: this.opts.s3, bucket: this.opts.bucket, ...hosts });
        if (changes.length) this.logger.info({ changes }, 'hosts_installed');
      };
    }
    if (cache) {
      handlers.sweep = async () => {
        const result = await cache.sweep();
        this.logger.info({ ...result }, 'cache_swept');
      };
      handlers.invalidate = async (s) => {
        const { book, file } = parseChunkKey(s.data.key);
        const removed = await cache.invalidate(book, file);
        this.logger.info({ book, file, removed }, 'cache_invalidated');
      };
    }
    return handlers;
  }

  private armFullSync(): void {
    const every = this.opts.fullSyncEveryMs ?? 0;
    const listing = this.opts.listing;
    if (!listing || every <= 0 || !this.running) return;
    this.timer = setTimeout(() => {
      this.fullSync = listing
        .syncAll()
        .then((summary) => {
          this.logger.info({ ...summary }, 'listing_safety_sync_done');
          this.emit('synced', summary);
        })
        .catch((e: unknown) => this.logger.error({ reason: (e as Error).message }, 'listing_safety_sync_failed'))
        .finally(() => this.armFullSync());
    }, every);
  }
}
