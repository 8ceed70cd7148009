import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { listingHandler } from '../../../functions/listing';
import { getText } from '../../../cloud/s3';
import { parseManifest } from '../../../core/manifest';
import { useEmulators } from '../../support/emulators';
import { s3Notification, sqsBatch } from '../../support/events';

/** Malformed batches and records never throw: each bad record is reported (→ DLQ), the rest are processed. */
const emu = useEmulators('shelfstack-listing-bad');
let logger: Logger;
let handler: ReturnType<typeof listingHandler>;

beforeAll(() => {
  logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  handler = listingHandler({ s3: emu.s3, sqs: emu.sqs, bucket: emu.bucket, cluster: 'listingbad', logger });
});
afterEach(() => jest.restoreAllMocks());

const files = async (book: string) => {
  const obj = await getText(emu.s3, emu.bucket, `listing/${book}.json`);
  return obj && parseManifest(obj.text, book).chunks.map((c) => c.file);
};

describe('the listing function on malformed input', () => {
  test.each([
    ['no Records', {}],
    ['Records that is not an array', { Records: 'x' }],
    ['a null event', null],
  ])('a batch with %s logs malformed_sqs_batch and returns cleanly', async (_what, event) => {
    const errors = jest.spyOn(logger, 'error');
    expect(await handler(event as unknown as SQSEvent)).toEqual({ batchItemFailures: [] });
    expect(errors).toHaveBeenCalledWith('malformed_sqs_batch', expect.any(Object));
  });

  test('each malformed record is reported on its own; the good one is processed', async () => {
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'audiobooks/B0401/Good_1.mp3', Body: 'mp3' }));
    const bodies: unknown[] = [
      s3Notification('put', 'audiobooks/B0401/Good_1.mp3'),
      'not json at all',
      'null',
      '42',
      JSON.stringify({ Records: [null] }),
      JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: null }] }),
      JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { object: { key: 'audiobooks/B1/%E0%A4%A.mp3' } } }] }),
      JSON.stringify({ detail: { some: 'EventBridge event' } }),
      undefined,
    ];
    const event = sqsBatch(bodies as string[]);
    // A record whose attributes went missing still counts as a first delivery.
    delete (event.Records[0] as Partial<SQSRecord>).attributes;
    const errors = jest.spyOn(logger, 'error');
    const res = await handler(event);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(event.Records.slice(1).map((r) => r.messageId).sort());
    expect(await files('B0401')).toEqual(['Good_1.mp3']);
    const logged = errors.mock.calls.filter(([name]) => name === 'malformed_upload_event').map(([, extra]) => (extra as { messageId: string }).messageId);
    expect(logged.sort()).toEqual(event.Records.slice(1).map((r) => r.messageId).sort());
  });

  test('a null record, or one with no messageId, is logged and skipped without failing the batch', async () => {
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'audiobooks/B0402/Good_1.mp3', Body: 'mp3' }));
    const event = sqsBatch([s3Notification('put', 'audiobooks/B0402/Good_1.mp3'), 'x']);
    const broken = { Records: [null, { body: 'x' }, ...event.Records.slice(0, 1)] } as unknown as SQSEvent;
    const errors = jest.spyOn(logger, 'error');
    expect(await handler(broken)).toEqual({ batchItemFailures: [] });
    expect(await files('B0402')).toEqual(['Good_1.mp3']);
    expect(errors.mock.calls.filter(([name]) => name === 'malformed_sqs_record')).toHaveLength(2);
  });
});
