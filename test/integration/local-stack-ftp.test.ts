import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Client } from 'basic-ftp';
import pino from 'pino';
import { startLocalStack, type LocalStack } from '../../cli/local/stack';
import { MP3_FRAME_HEADER } from '../../core/mpeg';
import { tempDir } from '../support/emulators';
import { waitFor } from '../support/wait';
import { REHEARSAL_ROUTES, useIamRoles } from '../support/iam';

let stack: LocalStack;
let dir: string;
// The rehearsal runs the functions and the servers in this process: each call under its own role.
useIamRoles(REHEARSAL_ROUTES, { params: { cluster: 'local', bucket: 'shelfstack-local' } });

// Every line the rehearsal logs, raw: what an operator would read.
const lines: string[] = [];
const logger = pino({ level: 'info', messageKey: 'message' }, { write: (line: string) => lines.push(line) });

beforeAll(async () => {
  dir = await tempDir('shelfstack-local-');
  stack = await startLocalStack({ dir, webCount: 2, logger });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

describe('npm start with FTP ingest and agents', () => {
  it('writes the FTP endpoint and a user into local.json', async () => {
    const info = JSON.parse(await readFile(path.join(dir, 'local.json'), 'utf8'));
    expect(info.ftp).toEqual({ host: '127.0.0.1', port: stack.ftp.port, users: [{ user: 'narrator', password: expect.any(String), role: 'narrator' }] });
  });

  it('takes a chunk uploaded over FTP to S3 and then into every web server\'s listing with no other step', async () => {
    const { host, port, users } = stack.info.ftp;
    const client = new Client(5000);
    try {
      await client.access({ host, port, user: users[0]!.user, password: users[0]!.password });
      await client.ensureDir('/audiobooks/B0777');
      const body = Buffer.concat([Buffer.from(MP3_FRAME_HEADER), Buffer.alloc(50_000, 7)]);
      await client.uploadFrom(Readable.from(body), 'Rote Blume+1_1.mp3');
    } finally {
      client.close();
    }
    const key = 'audiobooks/B0777/Rote Blume+1_1.mp3';
    await waitFor(
      () => stack.s3.send(new HeadObjectCommand({ Bucket: stack.info.s3.bucket, Key: key })).then((r) => r.ContentLength === 50_004, () => false),
      10_000,
      'the chunk in S3',
    );
    for (const web of stack.webs) {
      await waitFor(() => existsSync(path.join(web.listingDir, 'B0777', 'Rote Blume+1_1.mp3')), 20_000, `the chunk in ${web.name}'s listing`);
    }
  }, 40_000);

  it('takes curl\'s upload into a new book without an ERROR: its CWD probe is a refusal, logged once, with one component key', async () => {
    const { host, port, users } = stack.info.ftp;
    const file = path.join(dir, 'curl.mp3');
    await writeFile(file, Buffer.concat([Buffer.from(MP3_FRAME_HEADER), Buffer.alloc(10_000, 3)]));
    const from = lines.length;
    await promisify(execFile)('curl', ['-sS', '--ftp-create-dirs', '-T', file, `ftp://${users[0]!.user}:${users[0]!.password}@${host}:${port}/audiobooks/B0779/Curl_1.mp3`]);
    await waitFor(() => lines.slice(from).some((l) => l.includes('"ftp_upload_done"') || l.includes('ftp_upload')), 10_000, 'the upload to be logged').catch(() => undefined);
    const mine = lines.slice(from);
    expect(mine.filter((l) => /"level":(50|"ERROR")/.test(l) || l.includes('"stack"'))).toEqual([]);
    expect(mine.filter((l) => (l.match(/"component"/g) ?? []).length > 1)).toEqual([]);
    await waitFor(
      () => stack.s3.send(new HeadObjectCommand({ Bucket: stack.info.s3.bucket, Key: 'audiobooks/B0779/Curl_1.mp3' })).then(() => true, () => false),
      10_000,
      'the chunk in S3',
    );
  }, 30_000);
});
