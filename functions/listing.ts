import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadConfig } from '../core/config';
import { mapSettled } from '../core/concurrency';
import { parseUploadNotice } from '../core/s3-events';
import { defaultS3, defaultSqs } from '../cloud/clients';
import { publishSignal } from '../cloud/signals';
import { reconcileBook } from './commons/reconcile-book';

export interface ListingDeps {
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  cluster: string;
  logger: Logger;
}

const BOOKS_IN_PARALLEL = 8;

/**
 * uploads queue → one manifest per touched book. Each record is reported as failed on its own
 * (malformed, or a book it names could not be reconciled), so only it is retried and ends in the DLQ.
 */
export function listingHandler(deps: ListingDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failed = new Set<string>();
    const recordsByBook = new Map<string, SQSRecord[]>();
    const records: unknown = (event as Partial<SQSEvent> | null)?.Records;
    if (!Array.isArray(records)) {
      // Not a batch from the event source mapping (a hand-made invoke): nothing to retry or to lose.
      deps.logger.error('malformed_sqs_batch', { reason: 'the event has no Records array' });
      return { batchItemFailures: [] };
    }
    for (const [index, record] of (records as (SQSRecord | null)[]).entries()) {
      // Without a messageId a record cannot be reported (and Lambda would fail the whole batch for it).
      if (typeof record?.messageId !== 'string' || record.messageId === '') {
        deps.logger.error('malformed_sqs_record', { index, reason: 'the record has no messageId' });
        continue;
      }
      try {
        const notice = parseUploadNotice(record.body);
        if (notice.kind === 'test') {
          deps.logger.info('s3_test_event_ignored', { messageId: record.messageId });
          continue;
        }
        notice.ignoredKeys.forEach((key) => deps.logger.info('key_outside_audiobooks_ignored', { messageId: record.messageId, key }));
        notice.books.forEach((book) => recordsByBook.set(book, [...(recordsByBook.get(book) ?? []), record]));
      } catch (e: unknown) {
        deps.logger.error('malformed_upload_event', { messageId: record.messageId, reason: (e as Error).message });
        failed.add(record.messageId);
      }
    }

    const books = [...recordsByBook.keys()];
    const results = await mapSettled(books, BOOKS_IN_PARALLEL, async (book) => {
      const result = await reconcileBook(deps.s3, deps.bucket, book);
      // A redelivered record may be one whose signal was lost after its manifest was written: signal again.
      const redelivered = recordsByBook.get(book)!.some((r) => Number(r.attributes?.ApproximateReceiveCount) > 1);
      if (result.outcome !== 'unchanged' || redelivered) {
        await publishSignal(deps.sqs, deps.cluster, { type: 'listing-changed', data: { book } });
      }
      deps.logger.info('book_reconciled', { ...result, redelivered });
      return result;
    });
    results.forEach((r, i) => {
      if (r.ok) return;
      const book = books[i]!;
      const messageIds = recordsByBook.get(book)!.map((rec) => rec.messageId);
      deps.logger.error('book_reconcile_failed', { book, messageIds, reason: (r.error as Error).message });
      messageIds.forEach((id) => failed.add(id));
    });
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

const logger = new Logger({ serviceName: 'shelfstack-listing' });
const config = loadConfig(process.env, ['cluster', 'bucket']);

export const handler = listingHandler({ s3: defaultS3(), sqs: defaultSqs(), logger, ...config });
