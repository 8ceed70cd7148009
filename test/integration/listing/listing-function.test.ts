import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { listingHandler } from '../../../functions/listing';
import { getText } from '../../../cloud/s3';
import { deleteMessage, receiveMessages } from '../../../cloud/sqs';
import { ensureSignalQueue } from '../../../instance/signal-consumer';
import { parseManifest } from '../../../core/manifest';
import { decodeSignal } from '../../../core/signals';
import { useEmulators } from '../../support/emulators';
import { useIamRole } from '../../support/iam';
import { fixture, s3Notification, sqsBatch } from '../../support/events';
import { countRequests } from '../../support/request-counter';
import type { SQSEvent } from 'aws-lambda';

const emu = useEmulators();
const cluster = 'listingfn';
useIamRole('ListingRole', { params: { cluster, bucket: emu.bucket ?? 'shelfstack-test' } });
let logger: Logger;
let handler: ReturnType<typeof listingHandler>;
let signalQueues: string[];

beforeAll(async () => {
  logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  handler = listingHandler({ s3: emu.s3, sqs: emu.sqs, bucket: emu.bucket, cluster, logger });
  signalQueues = [await ensureSignalQueue(emu.sqs, cluster, 'i-web1'), await ensureSignalQueue(emu.sqs, cluster, 'i-web2')];
});

const put = (key: string, body = 'mp3') => emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: key, Body: body }));
const del = (key: string) => emu.s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: key }));
const manifestOf = async (book: string) => {
  const obj = await getText(emu.s3, emu.bucket, `listing/${book}.json`);
  return obj && parseManifest(obj.text, book);
};
const files = async (book: string) => (await manifestOf(book))?.chunks.map((c) => c.file);
/** Every signal waiting in a queue, consumed. */
const drainSignals = async (queueUrl: string) => {
  const signals = [];
  for (;;) {
    const messages = await receiveMessages(emu.sqs, queueUrl, { waitSeconds: 0, max: 10 });
    if (messages.length === 0) return signals;
    for (const m of messages) {
      signals.push(decodeSignal(m.Body!));
      await deleteMessage(emu.sqs, queueUrl, m.ReceiptHandle!);
    }
  }
};

describe('the listing function', () => {
  it('decodes a key with spaces and + in real S3 encoding and lists the book in natural order', async () => {
    const keys = ['Red Flower + Friends_10.mp3', 'Red Flower + Friends_2.mp3', 'Red Flower + Friends_1.mp3'].map((f) => `audiobooks/B100/${f}`);
    for (const k of keys) await put(k);
    const event = sqsBatch(keys.map((k) => s3Notification('put', k)));
    expect(JSON.parse(event.Records[0]!.body).Records[0].s3.object.key).toBe('audiobooks/B100/Red+Flower+%2B+Friends_10.mp3');

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await files('B100')).toEqual(['Red Flower + Friends_1.mp3', 'Red Flower + Friends_2.mp3', 'Red Flower + Friends_10.mp3']);
  });

  it('signals every instance queue of the cluster once a manifest changed', async () => {
    await Promise.all(signalQueues.map(drainSignals));
    await put('audiobooks/B101/a.mp3');
    await handler(sqsBatch([s3Notification('put', 'audiobooks/B101/a.mp3')]));
    for (const q of signalQueues) expect(await drainSignals(q)).toEqual([{ type: 'listing-changed', data: { book: 'B101' } }]);
  });

  it('writes nothing and signals nothing for a duplicate event', async () => {
    await put('audiobooks/B102/a.mp3');
    const event = sqsBatch([s3Notification('put', 'audiobooks/B102/a.mp3')]);
    await handler(event);
    await Promise.all(signalQueues.map(drainSignals));
    const counter = countRequests(emu.s3);
    await handler(sqsBatch([event.Records[0]!.body]));
    expect(counter.counts.PutObject ?? 0).toBe(0);
    expect(await drainSignals(signalQueues[0]!)).toEqual([]);
  });

  it('signals again on a redelivered record even when the manifest is current (its first signal may be lost)', async () => {
    await put('audiobooks/B103/a.mp3');
    await handler(sqsBatch([s3Notification('put', 'audiobooks/B103/a.mp3')]));
    await Promise.all(signalQueues.map(drainSignals));
    await handler(sqsBatch([s3Notification('put', 'audiobooks/B103/a.mp3')], 2));
    expect(await drainSignals(signalQueues[0]!)).toEqual([{ type: 'listing-changed', data: { book: 'B103' } }]);
  });

  it('converges on the truth whatever the order, duplication and lateness of events', async () => {
    const a = 'audiobooks/B104/a.mp3';
    const b = 'audiobooks/B104/b.mp3';
    const c = 'audiobooks/B104/c.mp3';
    const history = [s3Notification('put', a), s3Notification('put', b), s3Notification('put', c), s3Notification('delete', a)];
    await put(a);
    await put(b);
    await put(c);
    await del(a);
    // Delivered reversed, with duplicates, in two batches: each run re-reads the prefix.
    await handler(sqsBatch([history[3]!, history[2]!, history[3]!]));
    await handler(sqsBatch([history[1]!, history[0]!, history[0]!]));
    expect(await files('B104')).toEqual(['b.mp3', 'c.mp3']);
    // A very late event for a long-gone key changes nothing.
    await handler(sqsBatch([history[0]!]));
    expect(await files('B104')).toEqual(['b.mp3', 'c.mp3']);
  });

  it('removes the manifest when the last chunk is deleted', async () => {
    const key = 'audiobooks/B105/only.mp3';
    await put(key);
    await handler(sqsBatch([s3Notification('put', key)]));
    expect(await files('B105')).toEqual(['only.mp3']);
    await del(key);
    expect(await handler(sqsBatch([s3Notification('delete', key)]))).toEqual({ batchItemFailures: [] });
    expect(await manifestOf('B105')).toBeUndefined();
  });

  it('ignores s3:TestEvent and keys outside audiobooks/ without touching S3', async () => {
    const counter = countRequests(emu.s3);
    const outside = s3Notification('put', 'listing/B1.json');
    const result = await handler(sqsBatch([JSON.stringify(fixture('s3-test-event.json')), outside]));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(counter.total()).toBe(0);
  });

  it('reports only the malformed record of a batch, and still processes the others', async () => {
    await put('audiobooks/B0001/Red Flower + Friends_2.mp3');
    const event = fixture<SQSEvent>('sqs-batch-malformed.json');
    event.Records[0]!.body = s3Notification('put', 'audiobooks/B0001/Red Flower + Friends_2.mp3');
    const errors = jest.spyOn(logger, 'error');
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]!.messageId }] });
    expect(await files('B0001')).toEqual(['Red Flower + Friends_2.mp3']);
    expect(errors).toHaveBeenCalledWith('malformed_upload_event', expect.objectContaining({ messageId: event.Records[1]!.messageId }));
  });

  it('fails only the records of a book it could not reconcile', async () => {
    await put('audiobooks/B106/a.mp3');
    await put('audiobooks/B107/a.mp3');
    const broken = listingHandler({ s3: emu.s3, sqs: emu.sqs, bucket: emu.bucket, cluster, logger });
    emu.s3.middlewareStack.add(
      (next, ctx) => async (args) => {
        const input = (args as { input: { Prefix?: string } }).input;
        if (ctx.commandName === 'ListObjectsV2Command' && input.Prefix === 'audiobooks/B107/') throw new Error('injected outage');
        return next(args);
      },
      { step: 'initialize', name: 'failB107' },
    );
    try {
      const event = sqsBatch([s3Notification('put', 'audiobooks/B106/a.mp3'), s3Notification('put', 'audiobooks/B107/a.mp3')]);
      expect(await broken(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]!.messageId }] });
      expect(await files('B106')).toEqual(['a.mp3']);
    } finally {
      emu.s3.middlewareStack.remove('failB107');
    }
  });

  it('treats publishing to a cluster with no instance queues as a no-op', async () => {
    const lonely = listingHandler({ s3: emu.s3, sqs: emu.sqs, bucket: emu.bucket, cluster: 'nobody', logger });
    await put('audiobooks/B108/a.mp3');
    expect(await lonely(sqsBatch([s3Notification('put', 'audiobooks/B108/a.mp3')]))).toEqual({ batchItemFailures: [] });
    expect(await files('B108')).toEqual(['a.mp3']);
  });
});
