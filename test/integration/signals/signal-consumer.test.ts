import { GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { publishSignal } from '../../../cloud/signals';
import { sendMessage } from '../../../cloud/sqs';
import { ensureSignalQueue, SignalConsumer } from '../../../instance/signal-consumer';
import type { Signal } from '../../../core/signals';
import { useEmulators } from '../../support/emulators';
import { pollUntil } from '../../support/poll';
import { useIamRole } from '../../support/iam';

const emu = useEmulators('shelfstack-signals-test');
useIamRole('WebInstanceRole', { params: { cluster: 'sig', bucket: 'shelfstack-signals-test' } });

async function queueDepth(url: string): Promise<number> {
  const res = await emu.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(res.Attributes!.ApproximateNumberOfMessages) + Number(res.Attributes!.ApproximateNumberOfMessagesNotVisible);
}

describe('the signal consumer', () => {
  it('creates its queue idempotently, under the cluster\'s prefix', async () => {
    const a = await ensureSignalQueue(emu.sqs, 'sig', 'i-0aaa');
    const b = await ensureSignalQueue(emu.sqs, 'sig', 'i-0aaa');
    expect(a).toBe(b);
    expect(a).toMatch(/\/shelfstack-sig-signal-i-0aaa$/);
  });

  it('hands each signal to its handler, drops garbage and unknown types with a log, and keeps polling', async () => {
    const url = await ensureSignalQueue(emu.sqs, 'sig', 'i-0bbb');
    const handled: Signal[] = [];
    const dropped: string[] = [];
    const consumer = new SignalConsumer({
      sqs: emu.sqs,
      queueUrl: url,
      waitSeconds: 1,
      handlers: { 'listing-changed': async (s) => void handled.push(s) },
    });
    consumer.on('dropped', (reason: string) => dropped.push(reason));
    consumer.start();
    try {
      await sendMessage(emu.sqs, url, 'garbage');
      await sendMessage(emu.sqs, url, JSON.stringify({ type: 'sweep', data: {} }));
      await publishSignal(emu.sqs, 'sig', { type: 'listing-changed', data: { book: 'B1' } });
      await pollUntil('the listing signal', () => handled.length === 1 && dropped.length === 2);
      expect(handled).toEqual([{ type: 'listing-changed', data: { book: 'B1' } }]);
      expect(dropped.sort()).toEqual(['no handler for sweep', 'signal is not JSON']);
      await pollUntil('an empty queue', async () => (await queueDepth(url)) === 0);
    } finally {
      await consumer.stop();
    }
  });

  it('retries a signal whose handler failed, then drops it after the last delivery', async () => {
    const url = await ensureSignalQueue(emu.sqs, 'sig', 'i-0ccc');
    // Long enough that the second delivery's delete lands before the message shows again, even with
    // every call going through the IAM evaluator on a loaded machine (1 s gave a third delivery).
    await emu.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '3' } }));
    let attempts = 0;
    const consumer = new SignalConsumer({
      sqs: emu.sqs,
      queueUrl: url,
      waitSeconds: 1,
      maxDeliveries: 2,
      handlers: {
        'listing-changed': async () => {
          attempts++;
          throw new Error('disk full');
        },
      },
    });
    consumer.start();
    try {
      await publishSignal(emu.sqs, 'sig', { type: 'listing-changed', data: {} });
      await pollUntil('two attempts and an empty queue', async () => attempts >= 2 && (await queueDepth(url)) === 0);
      expect(attempts).toBe(2);
    } finally {
      await consumer.stop();
    }
  });

  it('finishes the signal in hand before stop() returns', async () => {
    const url = await ensureSignalQueue(emu.sqs, 'sig', 'i-0ddd');
    let finished = false;
    let started!: () => void;
    const inHandler = new Promise<void>((r) => (started = r));
    const consumer = new SignalConsumer({
      sqs: emu.sqs,
      queueUrl: url,
      waitSeconds: 1,
      handlers: {
        'listing-changed': async () => {
          started();
          await new Promise((r) => setTimeout(r, 300));
          finished = true;
        },
      },
    });
    consumer.start();
    await publishSignal(emu.sqs, 'sig', { type: 'listing-changed', data: {} });
    await inHandler;
    await consumer.stop();
    expect(finished).toBe(true);
  });
});
