import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { startLocalStack, type LocalStack } from '../../cli/local/stack';
import { tempDir } from '../support/emulators';
import { pollUntil } from '../support/poll';

const files = (dir: string) => readdir(dir).catch(() => [] as string[]);

describe('the local rehearsal', () => {
  let stack: LocalStack;
  let dir: string;
  const saved = { ...process.env };
  beforeAll(async () => {
    dir = await tempDir('shelfstack-local-');
    stack = await startLocalStack({ dir, webCount: 2 });
  });
  afterAll(async () => {
    await stack?.stop();
    process.env = saved;
  });

  it('writes local.json with loopback endpoints and the bucket', async () => {
    const info = JSON.parse(await readFile(path.join(dir, 'local.json'), 'utf8'));
    expect(info.s3).toEqual({ endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), bucket: 'shelfstack-local', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    expect(info.sqs.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('brings an uploaded chunk into every web server\'s listing, and takes it away when deleted', async () => {
    const key = 'audiobooks/LOC1/Red Flower + Friends_1.mp3';
    await stack.s3.send(new PutObjectCommand({ Bucket: 'shelfstack-local', Key: key, Body: 'mp3' }));
    for (const web of stack.webs) {
      await pollUntil(`${web.name} to list the chunk`, async () => (await files(path.join(web.listingDir, 'LOC1'))).includes('Red Flower + Friends_1.mp3'));
    }
    await stack.s3.send(new DeleteObjectCommand({ Bucket: 'shelfstack-local', Key: key }));
    for (const web of stack.webs) {
      await pollUntil(`${web.name} to drop the book`, async () => !(await files(web.listingDir)).includes('LOC1'));
    }
  });

  it('sends a malformed upload event to the dead-letter queue and keeps going', async () => {
    const queueUrl = `${stack.info.sqs.endpoint}/123456789012/shelfstack-local-uploads`;
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"Records": "nope"}' }));
    const dlq = `${stack.info.sqs.endpoint}/123456789012/shelfstack-local-uploads-dlq`;
    const dead = await pollUntil(
      'the malformed message to reach the DLQ',
      async () => (await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 1 }))).Messages?.[0],
      40000,
    );
    expect(dead?.Body).toBe('{"Records": "nope"}');
  }, 60000);
});
