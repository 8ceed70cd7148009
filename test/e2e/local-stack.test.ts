import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { startLocalStack, type LocalStack } from '../../cli/local/stack';
import { signedPath } from '../../core/signing';
import { tempDir } from '../support/emulators';
import { pollUntil } from '../support/poll';
import { REHEARSAL_ROUTES, useIamRoles } from '../support/iam';

const files = (dir: string) => readdir(dir).catch(() => [] as string[]);
// The rehearsal runs the functions and the servers in this process: each call under its own role.
useIamRoles(REHEARSAL_ROUTES, { params: { cluster: 'local', bucket: 'shelfstack-local' } });

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

  it('serves a signed download from every web server, and drops the cached copy when the chunk is overwritten', async () => {
    const ref = { book: 'LOC2', file: 'Kapitel Über + 1.mp3' };
    const key = `audiobooks/${ref.book}/${ref.file}`;
    await stack.s3.send(new PutObjectCommand({ Bucket: 'shelfstack-local', Key: key, Body: 'first cut' }));
    const env = await readFile(path.join(dir, 'local.env'), 'utf8');
    const signingKey = /^SHELFSTACK_SIGNING_KEY=(.*)$/m.exec(env)![1]!;
    const link = signedPath(signingKey, ref, Math.floor(Date.now() / 1000) + 600);
    for (const web of stack.webs) {
      await pollUntil(`${web.name} to list the chunk`, async () => (await files(path.join(web.listingDir, 'LOC2'))).includes(ref.file));
      const res = await fetch(`${web.url}${link}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('first cut');
    }
    // The web servers are processes of their own now: the overwrite reaches web1's cache through
    // sweep's invalidate signal, its agent and the admin endpoint, and the next download is the new cut.
    await stack.s3.send(new PutObjectCommand({ Bucket: 'shelfstack-local', Key: key, Body: 'second cut' }));
    await pollUntil('web1 to serve the new cut', async () => (await (await fetch(`${stack.webs[0]!.url}${link}`)).text()) === 'second cut');
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
