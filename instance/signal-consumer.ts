import { EventEmitter } from 'node:events';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { decodeSignal, signalQueueName, type Signal, type SignalType } from '../core/signals';
import { deleteMessage, ensureQueue, receiveMessages } from '../cloud/sqs';
import { silentLogger, type Logger } from './logger';

export type SignalHandlers = { [T in SignalType]?: (signal: Extract<Signal, { type: T }>) => Promise<void> };

export interface SignalConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  handlers: SignalHandlers;
  logger?: Logger;
  waitSeconds?: number;
  /** Pause before the next poll after a failed one; longer after auth or connection errors. */
  errorBackoffMs?: number;
  /** A signal whose handler keeps failing is dropped after this many deliveries. */
  maxDeliveries?: number;
}

// Messages a handler failed on reappear after this; signals are cheap to redo.
const VISIBILITY_SECONDS = 60;

/** Creates (or finds) this instance's signal queue. The queue outlives restarts; only the control plane deletes it. */
export function ensureSignalQueue(sqs: SQSClient, cluster: string, instanceId: string): Promise<string> {
  return ensureQueue(sqs, signalQueueName(cluster, instanceId), {
    VisibilityTimeout: String(VISIBILITY_SECONDS),
    MessageRetentionPeriod: String(4 * 86400),
  });
}

/**
 * Long-polls one instance's signal queue (after bbc/sqs-consumer): start()/stop(), an AbortSignal
 * on every call, the next poll re-armed with setTimeout, in-flight work drained on stop.
 * Emits `handled` (signal), `dropped` (reason) and `failed` (Error) for tests and metrics.
 */
export class SignalConsumer extends EventEmitter {
  private abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly logger: Logger;

  constructor(private readonly opts: SignalConsumerOptions) {
    super();
    this.logger = opts.logger ?? silentLogger;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.arm(0);
  }

  /** Stops polling and waits for the batch in hand to finish. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.inFlight;
  }

  private arm(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.poll();
    }, delayMs);
  }

  private async poll(): Promise<void> {
    let delay = 0;
    try {
      const messages = await receiveMessages(this.opts.sqs, this.opts.queueUrl, {
        waitSeconds: this.opts.waitSeconds ?? 20,
        max: 10,
        signal: this.abort.signal,
      });
      for (const m of messages) await this.handle(m);
    } catch (e: unknown) {
      if (!this.running) return;
      const err = e as Error & { $metadata?: { httpStatusCode?: number } };
      const status = err.$metadata?.httpStatusCode;
      const base = this.opts.errorBackoffMs ?? 1000;
      delay = status === 401 || status === 403 || (err as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? base * 10 : base;
      this.logger.warn({ reason: err.message, retryInMs: delay }, 'signal_poll_failed');
      this.emit('failed', err);
    }
    this.arm(delay);
  }

  private async handle(m: Message): Promise<void> {
    let signal: Signal;
    try {
      signal = decodeSignal(m.Body ?? '');
    } catch (e: unknown) {
      this.logger.warn({ messageId: m.MessageId, reason: (e as Error).message }, 'signal_malformed_dropped');
      await deleteMessage(this.opts.sqs, this.opts.queueUrl, m.ReceiptHandle!);
      this.emit('dropped', (e as Error).message);
      return;
    }
    const handler = this.opts.handlers[signal.type] as ((s: Signal) => Promise<void>) | undefined;
    if (!handler) {
      this.logger.warn({ messageId: m.MessageId, type: signal.type }, 'signal_unhandled_dropped');
      await deleteMessage(this.opts.sqs, this.opts.queueUrl, m.ReceiptHandle!);
      this.emit('dropped', `no handler for ${signal.type}`);
      return;
    }
    try {
      await handler(signal);
      await deleteMessage(this.opts.sqs, this.opts.queueUrl, m.ReceiptHandle!);
      this.logger.info({ messageId: m.MessageId, type: signal.type }, 'signal_handled');
      this.emit('handled', signal);
    } catch (e: unknown) {
      const deliveries = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
      const giveUp = deliveries >= (this.opts.maxDeliveries ?? 5);
      this.logger.error({ messageId: m.MessageId, type: signal.type, deliveries, reason: (e as Error).message }, giveUp ? 'signal_failed_dropped' : 'signal_failed_will_retry');
      if (giveUp) await deleteMessage(this.opts.sqs, this.opts.queueUrl, m.ReceiptHandle!);
      this.emit('failed', e);
    }
  }
}
