import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { parseUploadNotice } from '../../../core/s3-events';
import { ValidationError } from '../../../core/errors';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../../../events', name), 'utf8');

describe('parsing the uploads queue\'s messages', () => {
  it('decodes the URL-encoded key of a real S3 put', () => {
    expect(parseUploadNotice(fixture('s3-put-encoded-key.json'))).toEqual({
      kind: 'books',
      books: ['B0001'],
      ignoredKeys: [],
      changedKeys: [{ key: 'audiobooks/B0001/Red Flower + Friends_2.mp3', book: 'B0001', file: 'Red Flower + Friends_2.mp3', event: 'created' }],
    });
  });

  it('marks a delete as removed', () => {
    const notice = parseUploadNotice(fixture('s3-delete.json'));
    expect(notice.kind === 'books' && notice.changedKeys[0]?.event).toBe('removed');
  });

  it('recognises s3:TestEvent', () => {
    expect(parseUploadNotice(fixture('s3-test-event.json'))).toEqual({ kind: 'test' });
  });

  it('ignores keys outside audiobooks/ without failing the message', () => {
    const body = fixture('s3-put-encoded-key.json').replace('audiobooks/B0001/', 'listing/');
    expect(parseUploadNotice(body)).toMatchObject({ kind: 'books', books: [], ignoredKeys: ['listing/Red Flower + Friends_2.mp3'] });
  });

  it('collects each book once from a message with several records', () => {
    const event = JSON.parse(fixture('s3-put-encoded-key.json'));
    event.Records.push(event.Records[0], { ...event.Records[0], s3: { ...event.Records[0].s3, object: { key: 'audiobooks/B0002/a.mp3' } } });
    expect(parseUploadNotice(JSON.stringify(event))).toMatchObject({ books: ['B0001', 'B0002'] });
  });

  it('rejects the malformed record of the sample batch, and nothing else in it', () => {
    const batch = JSON.parse(fixture('sqs-batch-malformed.json')) as SQSEvent;
    expect(() => parseUploadNotice(batch.Records[0]!.body)).not.toThrow();
    expect(() => parseUploadNotice(batch.Records[1]!.body)).toThrow(ValidationError);
  });

  it.each([
    ['a body that is not JSON', 'hello'],
    ['a body with no records', '{"Records": []}'],
    ['a record from another service', '{"Records": [{"eventSource": "aws:sqs", "eventName": "x"}]}'],
    ['a record with no key', '{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {"object": {}}}]}'],
  ])('rejects %s', (_what, body) => {
    expect(() => parseUploadNotice(body)).toThrow(ValidationError);
  });
});
