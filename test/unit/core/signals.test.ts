import { decodeSignal, encodeSignal, instanceOfSignalQueue, signalQueueName, type Signal } from '../../../core/signals';
import { ValidationError } from '../../../core/errors';

describe('signals', () => {
  it('round-trips every signal type', () => {
    const signals: Signal[] = [
      { type: 'listing-changed', data: { book: 'B1' } },
      { type: 'listing-changed', data: {} },
      { type: 'hosts-changed', data: {} },
      { type: 'sweep', data: {} },
      { type: 'invalidate', data: { key: 'audiobooks/B1/a b+c.mp3' } },
    ];
    for (const s of signals) {
      expect(decodeSignal(encodeSignal(s))).toEqual(s);
    }
  });

  it.each([
    ['garbage', 'not json'],
    ['an unknown type', '{"type":"reboot","data":{}}'],
    ['a bad book', '{"type":"listing-changed","data":{"book":"../etc"}}'],
    ['an invalidate of a non-chunk key', '{"type":"invalidate","data":{"key":"listing/B1.json"}}'],
  ])('rejects %s', (_what, body) => {
    expect(() => decodeSignal(body)).toThrow(ValidationError);
  });

  it('names one queue per instance under the cluster\'s prefix, and reads the instance back', () => {
    const name = signalQueueName('prod', 'i-0abc123def4567890');
    expect(name).toBe('shelfstack-prod-signal-i-0abc123def4567890');
    expect(instanceOfSignalQueue('prod', `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}`)).toBe('i-0abc123def4567890');
    expect(instanceOfSignalQueue('prod-eu', `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}`)).toBeUndefined();
    expect(() => signalQueueName('prod', 'i-1/../x')).toThrow(ValidationError);
  });
});
