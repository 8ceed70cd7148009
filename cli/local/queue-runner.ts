import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { deleteMessage, receiveMessages } from '../../cloud/sqs';
import { silentLogger, type Logger } from '../../instance/logger';

/**
 * What Lambda's SQS event source mapping does, on loopback: long-poll a queue, hand batches to a
 * handler in the real SQSEvent shape, delete what succeeded and leave the reported failures to
 * come back (and, past the queue's maxReceiveCount, to move to its DLQ).
 */
export class QueueRunner {
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  private busy = false;

  constructor(
    private readonly opts: {
      sqs: SQSClient;
      queueUrl: string;
      queueArn: string;
      handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
      batchSize?: number;
      logger?: Logger;
    },
  ) {}

  start(): void {
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const logger = this.opts.logger ?? silentLogger;
    while (!this.abort.signal.aborted) {
      let messages: Message[];
      try {
        messages = await receiveMessages(this.opts.sqs, this.opts.queueUrl, {
          waitSeconds: 1,
          max: this.opts.batchSize ?? 10,
          signal: this.abort.signal,
        });
      } catch (e: unknown) {
        if (this.abort.signal.aborted) return;
        logger.warn({ reason: (e as Error).message }, 'local_queue_poll_failed');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length === 0) {
        this.idleWaiters.splice(0).forEach((w) => w());
        continue;
      }
      this.busy = true;
      const event: SQSEvent = { Records: messages.map((m) => this.toRecord(m)) };
      let failed = new Set<string>();
      try {
        const res = await this.opts.handler(event);
        failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (e: unknown) {
        logger.error({ reason: (e as Error).message }, 'local_function_failed');
        failed = new Set(messages.map((m) => m.MessageId!));
      }
      for (const m of messages) {
        if (!failed.has(m.MessageId!)) await deleteMessage(this.opts.sqs, this.opts.queueUrl, m.ReceiptHandle!);
      }
      this.busy = false;
    }
  }

  /** Resolves once the queue has been seen empty with no batch in hand (for tests and the rehearsal). */
  idle(): Promise<void> {
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get isBusy(): boolean {
    return this.busy;
  }

  private toRecord(m: Message): SQSRecord {
    const attrs = m.Attributes ?? {};
    return {
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
        SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
        SenderId: attrs.SenderId ?? 'LOCAL',
        ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.opts.queueArn,
      awsRegion: process.env.AWS_REGION ?? 'us-east-1',
    };
  }
}
