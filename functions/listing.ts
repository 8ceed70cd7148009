import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../core/config';
import { mapSettled } from '../core/concurrency';
import { defaultS3, defaultSqs } from '../cloud/clients';
import { publishSignal } from '../cloud/signals';
import { functionMetrics, issueOf, lambda, type FunctionMetrics, type LambdaHandler } from './commons/lambda';
import { reconcileBook } from './commons/reconcile-book';
import { noticeOf, UploadBatchSchema, UploadBodySchema, UploadRecordSchema, type UploadRecord } from './commons/upload-events';

export interface ListingDeps {
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  cluster: string;
  logger: Logger;
  metrics?: FunctionMetrics;
}

const BOOKS_IN_PARALLEL = 8;
type Settled = PromiseSettledResult<unknown>;
const OK: Settled = { status: 'fulfilled', value: undefined };

/**
 * uploads queue → one manifest per touched book. The handler settles each record (the
 * sqs-partial-batch-failure middleware turns the rejected ones into batchItemFailures), so only a
 * malformed record, or one naming a book that could not be reconciled, is retried and ends in the DLQ.
 */
export function listingHandler(deps: ListingDeps): LambdaHandler<SQSEvent, SQSBatchResponse> {
  const run = async (event: SQSEvent): Promise<Settled[]> => {
    const records = (event.Records as unknown[]).map((raw) => UploadRecordSchema.safeParse(raw));
    const results: Settled[] = records.map(() => OK);
    const byBook = new Map<string, number[]>();
    records.forEach((parsed, index) => {
      if (!parsed.success) return deps.logger.error('malformed_sqs_record', { index, reason: 'the record has no messageId' });
      const { messageId } = parsed.data;
      const body = UploadBodySchema.safeParse(parsed.data.body);
      if (!body.success) {
        deps.logger.error('malformed_upload_event', { messageId, reason: issueOf(body.error) });
        results[index] = { status: 'rejected', reason: body.error };
        return;
      }
      const notice = noticeOf(body.data);
      if (notice.kind === 'test') return deps.logger.info('s3_test_event_ignored', { messageId });
      notice.ignoredKeys.forEach((key) => deps.logger.info('key_outside_audiobooks_ignored', { messageId, key }));
      notice.books.forEach((book) => byBook.set(book, [...(byBook.get(book) ?? []), index]));
    });
    const recordsOf = (book: string) => byBook.get(book)!.map((i) => records[i]!.data as UploadRecord);

    const books = [...byBook.keys()];
    const reconciled = await mapSettled(books, BOOKS_IN_PARALLEL, async (book) => {
      const result = await reconcileBook(deps.s3, deps.bucket, book);
      // A redelivered record may be one whose signal was lost after its manifest was written: signal again.
      const redelivered = recordsOf(book).some((r) => Number(r.attributes?.ApproximateReceiveCount) > 1);
      if (result.outcome !== 'unchanged' || redelivered) await publishSignal(deps.sqs, deps.cluster, { type: 'listing-changed', data: { book } });
      deps.logger.info('book_reconciled', { ...result, redelivered });
    });
    reconciled.forEach((r, i) => {
      if (r.ok) return;
      const book = books[i]!;
      const reason = r.error instanceof Error ? r.error.message : String(r.error);
      deps.logger.error('book_reconcile_failed', { book, messageIds: recordsOf(book).map((rec) => rec.messageId), reason });
      byBook.get(book)!.forEach((index) => (results[index] = { status: 'rejected', reason: r.error }));
    });
    return results;
  };
  // Not a batch from the event source mapping (a hand-made invoke): nothing to retry or to lose.
  const batchOnly = {
    before: (request: { event: unknown }) => {
      if (UploadBatchSchema.safeParse(request.event).success) return undefined;
      deps.logger.error('malformed_sqs_batch', { reason: 'the event has no Records array' });
      return { batchItemFailures: [] };
    },
  };
  return lambda<SQSEvent, Settled[], SQSBatchResponse>(run, {
    logger: deps.logger,
    metrics: deps.metrics,
    outcome: (response) => (response.batchItemFailures.length ? 'partial' : 'ok'),
    // Each failure is logged above, with its reason and event name.
    use: [batchOnly, sqsPartialBatchFailure({ logger: () => undefined })],
  });
}

const logger = new Logger({ serviceName: 'shelfstack-listing' });
const config = loadConfig(process.env, ['cluster', 'bucket']);

export const handler = listingHandler({ s3: defaultS3(), sqs: defaultSqs(), logger, metrics: functionMetrics(config.cluster, 'listing'), ...config });
