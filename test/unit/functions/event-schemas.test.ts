import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { FleetEventSchema } from '../../../functions/commons/fleet-events';
import { SweepEventSchema } from '../../../functions/commons/sweep-events';
import { noticeOf, UploadBodySchema, UploadRecordSchema } from '../../../functions/commons/upload-events';

const raw = (name: string) => readFileSync(path.join(__dirname, '../../../events', name), 'utf8');
const json = (name: string) => JSON.parse(raw(name));
const notice = (body: unknown) => noticeOf(UploadBodySchema.parse(body));
const withKey = (key: string, patch: (r: { requestParameters: { sourceIPAddress: string } }) => void = () => undefined) => {
  const event = json('s3-put-encoded-key.json');
  event.Records[0].s3.object.key = key;
  patch(event.Records[0]);
  return JSON.stringify(event);
};

describe("the uploads queue's messages, on Powertools' SQS and S3 schemas", () => {
  it('decodes the URL-encoded key of a real S3 put (+ for a space, %2B for a plus)', () => {
    expect(notice(raw('s3-put-encoded-key.json'))).toEqual({ kind: 'books', books: ['B0001'], ignoredKeys: [] });
    expect(UploadBodySchema.parse(raw('s3-put-encoded-key.json'))).toMatchObject({ Records: [{ s3: { object: { key: 'audiobooks/B0001/Red Flower + Friends_2.mp3' } } }] });
  });

  it('reads a key as s3rver leaves it (a space, no encoding) as the same key, and unicode encoded or not', () => {
    const keyOf = (body: string) => (UploadBodySchema.parse(body) as { Records: { s3: { object: { key: string } } }[] }).Records[0]!.s3.object.key;
    expect(keyOf(withKey('audiobooks/B0001/Red Flower_2.mp3'))).toBe('audiobooks/B0001/Red Flower_2.mp3');
    expect(keyOf(withKey('audiobooks/B0001/Kapitel+%C3%9Cber_1.mp3'))).toBe('audiobooks/B0001/Kapitel Über_1.mp3');
  });

  it('recognises s3:TestEvent, ignores keys outside audiobooks/ and collects each book once', () => {
    expect(notice(raw('s3-test-event.json'))).toEqual({ kind: 'test' });
    expect(notice(withKey('listing/B0001.json'))).toEqual({ kind: 'books', books: [], ignoredKeys: ['listing/B0001.json'] });
    const event = json('s3-put-encoded-key.json');
    event.Records.push(event.Records[0], { ...event.Records[0], s3: { ...event.Records[0].s3, object: { key: 'audiobooks/B0002/a.mp3' } } });
    expect(notice(JSON.stringify(event))).toMatchObject({ books: ['B0001', 'B0002'] });
  });

  it('accepts a delete and a notification from an IPv6 client, which the stock schema refuses', () => {
    expect(notice(raw('s3-delete.json'))).toMatchObject({ books: ['B0001'] });
    const ipv6 = withKey('audiobooks/B0001/a.mp3', (r) => (r.requestParameters.sourceIPAddress = '2001:db8::17'));
    expect(notice(ipv6)).toMatchObject({ books: ['B0001'] });
  });

  it('rejects the malformed record of the sample batch, and nothing else in it', () => {
    const batch = json('sqs-batch-malformed.json') as SQSEvent;
    expect(UploadBodySchema.safeParse(batch.Records[0]!.body).success).toBe(true);
    expect(UploadBodySchema.safeParse(batch.Records[1]!.body).success).toBe(false);
  });

  it.each([
    ['a body that is not JSON', 'hello'],
    ['no body', undefined],
    ['a body with no records', '{"Records": []}'],
    ['a record from another service', '{"Records": [{"eventSource": "aws:sqs", "eventName": "x", "s3": {"object": {"key": "audiobooks/B1/a.mp3"}}}]}'],
    ['a record with no key', '{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {"object": {}}}]}'],
    ['a key that is not valid URL encoding', withKey('audiobooks/B1/%E0%A4%A.mp3')],
  ])('rejects %s', (_what, body) => {
    expect(UploadBodySchema.safeParse(body).success).toBe(false);
  });

  it('reports a record by its messageId, with or without attributes, and cannot report one without', () => {
    const record = (json('sqs-batch-s3.json') as SQSEvent).Records[0]!;
    expect(UploadRecordSchema.parse(record)).toMatchObject({ messageId: record.messageId, attributes: { ApproximateReceiveCount: '1' } });
    expect(UploadRecordSchema.safeParse({ ...record, attributes: undefined }).success).toBe(true);
    expect(UploadRecordSchema.safeParse({ body: 'x' }).success).toBe(false);
    expect(UploadRecordSchema.safeParse(null).success).toBe(false);
  });
});

describe("the fleet's EventBridge events", () => {
  it('turns a state change, a lifecycle tag change and a schedule into what woke the run', () => {
    expect(FleetEventSchema.parse(json('ec2-state-change-stopped.json'))).toEqual({ kind: 'state-change', instanceId: 'i-0aaaa000000000001', state: 'stopped' });
    expect(FleetEventSchema.parse(json('tag-change-lifecycle-draining.json'))).toEqual({
      kind: 'tag-change',
      resource: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0bbbb000000000002',
      changedTags: ['shelfstack:lifecycle'],
    });
    expect(FleetEventSchema.parse(json('schedule-rate.json'))).toEqual({ kind: 'schedule' });
  });

  it('rejects another detail-type, a state change without its instance, and a bare object', () => {
    expect(FleetEventSchema.safeParse({ ...json('s3-object-created.json') }).success).toBe(false);
    const stateless = json('ec2-state-change-running.json');
    delete stateless.detail['instance-id'];
    expect(FleetEventSchema.safeParse(stateless).success).toBe(false);
    expect(FleetEventSchema.safeParse({ 'detail-type': 'Scheduled Event' }).success).toBe(false);
  });
});

describe("the sweep's events", () => {
  it('sweeps on the schedule and invalidates a chunk by its key as EventBridge sends it (not encoded)', () => {
    expect(SweepEventSchema.parse(json('sweep-schedule.json'))).toEqual({ kind: 'schedule' });
    expect(SweepEventSchema.parse(json('s3-object-created.json'))).toEqual({ kind: 'invalidate', key: 'audiobooks/B0001/Chapter 1_1.mp3' });
    expect(SweepEventSchema.parse(json('s3-object-deleted.json'))).toEqual({ kind: 'invalidate', key: 'audiobooks/B0001/red flower+1_2.mp3' });
  });

  it('ignores keys outside audiobooks/ and rejects what is neither', () => {
    const hosts = json('s3-object-created.json');
    hosts.detail.object.key = 'cluster/hosts';
    expect(SweepEventSchema.parse(hosts)).toMatchObject({ kind: 'ignore' });
    expect(SweepEventSchema.safeParse({ hello: 'world' }).success).toBe(false);
    expect(SweepEventSchema.safeParse(json('ec2-state-change-running.json')).success).toBe(false);
  });
});
