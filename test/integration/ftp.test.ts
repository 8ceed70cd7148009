import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Client } from 'basic-ftp';
import pino from 'pino';
import { MP3_FRAME_HEADER } from '../../core/mpeg';
import { s3ClientOptions } from '../../cloud/clients';
import { FtpIngestServer, type FtpIngestOptions } from '../../instance/ftp/server';
import { addUser } from '../../instance/ftp/users';
import { tempDir, useEmulators } from '../support/emulators';
import { waitFor } from '../support/wait';
import { useIamRole } from '../support/iam';

const emu = useEmulators('shelfstack-ftp');
useIamRole('FtpInstanceRole', { params: { bucket: 'shelfstack-ftp' } });
const servers: FtpIngestServer[] = [];
const clients: Client[] = [];
let dir: string;
let usersFile: string;
let master: string;
const logLines: { message: string; reason?: string; path?: string }[] = [];
const logger = pino({ level: 'info', messageKey: 'message' }, { write: (line: string) => logLines.push(JSON.parse(line)) });

beforeAll(async () => {
  dir = await tempDir('shelfstack-ftp-');
  usersFile = path.join(dir, 'users.json');
  master = path.join(dir, 'master');
  await addUser(usersFile, 'nora', 'narrator-secret', 'narrator');
  await addUser(usersFile, 'sam', 'staff-secret-1', 'staff');
  await addUser(usersFile, 'pat', 'partner-secret', 'partner');
});

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function startFtp(overrides: Partial<FtpIngestOptions> = {}): Promise<FtpIngestServer> {
  const base = 40000 + Math.floor(Math.random() * 20000);
  const server = new FtpIngestServer({
    s3: emu.s3, bucket: emu.bucket, dir: path.join(dir, 'data'), usersFile,
    host: '127.0.0.1', port: 0, pasvUrl: '127.0.0.1', pasvMin: base, pasvMax: base + 50,
    replMaster: master, retryMs: 200, logger, ...overrides,
  });
  await server.start();
  servers.push(server);
  return server;
}

async function connect(server: FtpIngestServer, user: string, password: string, secure = false): Promise<Client> {
  const client = new Client(5000);
  clients.push(client);
  await client.access({ host: '127.0.0.1', port: server.port, user, password, secure, secureOptions: { rejectUnauthorized: false } });
  return client;
}

const mp3 = (bytes = 4096) => Buffer.concat([Buffer.from(MP3_FRAME_HEADER), Buffer.alloc(bytes - 4, 0x55)]);

async function s3Body(key: string): Promise<Buffer | undefined> {
  try {
    const res = await emu.s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  } catch {
    return undefined;
  }
}

/** The quarantine entry of this upload path, once its quarantining is logged (the last step). */
async function quarantined(relPath: string): Promise<string> {
  const line = await waitFor(() => logLines.find((l) => l.message === 'ftp_upload_quarantined' && l.path === relPath), 10_000, `${relPath} quarantined`);
  return (line as { quarantined?: string }).quarantined!;
}

describe('the FTP ingest server', () => {
  it('refuses a wrong password, an unknown user and anonymous logins', async () => {
    const server = await startFtp();
    await expect(connect(server, 'nora', 'not-her-password')).rejects.toThrow(/530/);
    await expect(connect(server, 'nobody', 'whatever-pass')).rejects.toThrow(/530/);
    await expect(connect(server, 'anonymous', 'me@example.com')).rejects.toThrow(/530/);
  });

  it('uploads a valid chunk to S3 under its exact key and removes the local copy after S3 confirms', async () => {
    const server = await startFtp();
    const client = await connect(server, 'nora', 'narrator-secret');
    await client.ensureDir('/audiobooks/B0042');
    const body = mp3(20000);
    await client.uploadFrom(Readable.from(body), 'Red Flower+1_1.mp3');
    const stored = await waitFor(() => s3Body('audiobooks/B0042/Red Flower+1_1.mp3'), 10_000, 'the chunk in S3');
    expect(stored.equals(body)).toBe(true);
    await waitFor(async () => (await readdir(path.join(dir, 'data', 'spool'))).length === 0, 5_000, 'an empty spool');
    expect(existsSync(path.join(dir, 'data', 'homes', 'nora', 'audiobooks', 'B0042', 'Red Flower+1_1.mp3'))).toBe(false);
  });

  it('quarantines an invalid mp3 with a file that gives the reason', async () => {
    const server = await startFtp();
    const client = await connect(server, 'nora', 'narrator-secret');
    await client.ensureDir('/audiobooks/B0043');
    await client.uploadFrom(Readable.from(Buffer.from('this is not audio at all')), 'fake_1.mp3');
    const entry = await quarantined('audiobooks/B0043/fake_1.mp3');
    expect(existsSync(path.join(entry, 'upload', 'fake_1.mp3'))).toBe(true);
    expect(await readFile(path.join(entry, 'reason.txt'), 'utf8')).toMatch(/^no MPEG audio frame header/);
    expect(logLines).toContainEqual(expect.objectContaining({ message: 'ftp_upload_quarantined', path: 'audiobooks/B0043/fake_1.mp3', reason: expect.stringMatching(/^no MPEG/) }));
    expect(await s3Body('audiobooks/B0043/fake_1.mp3')).toBeUndefined();
  });

  it('keeps an upload named reason.txt beside the quarantine\'s reason, never over it', async () => {
    const server = await startFtp();
    const client = await connect(server, 'nora', 'narrator-secret');
    await client.ensureDir('/audiobooks/B0046');
    await client.uploadFrom(Readable.from(Buffer.from('my own notes')), 'reason.txt');
    const entry = await quarantined('audiobooks/B0046/reason.txt');
    expect(await readFile(path.join(entry, 'upload', 'reason.txt'), 'utf8')).toBe('my own notes');
    expect(await readFile(path.join(entry, 'reason.txt'), 'utf8')).toMatch(/^an audiobook chunk must be an \.mp3 file\nuser: nora\npath: audiobooks\/B0046\/reason\.txt\n/);
  });

  it('two sessions storing one name at once: both acknowledged, the later completed one reaches S3 whole, nothing left behind', async () => {
    const server = await startFtp();
    const [slow, fast] = [await connect(server, 'nora', 'narrator-secret'), await connect(server, 'nora', 'narrator-secret')];
    await slow.ensureDir('/audiobooks/B0047');
    await fast.cd('/audiobooks/B0047');
    const first = mp3(300_000);
    const second = Buffer.concat([Buffer.from(MP3_FRAME_HEADER), Buffer.alloc(200_000 - 4, 0xaa)]);
    let sent = 0;
    // The first upload starts first and finishes last: 30 KB every 100 ms.
    const dribble = Readable.from(
      (async function* () {
        for (let at = 0; at < first.length; at += 30_000) {
          sent += 30_000;
          yield first.subarray(at, at + 30_000);
          await new Promise((r) => setTimeout(r, 100));
        }
      })(),
    );
    const slowDone = slow.uploadFrom(dribble, 'Same_1.mp3');
    await waitFor(() => sent >= 90_000, 5_000, 'the first upload under way');
    const fastDone = fast.uploadFrom(Readable.from(second), 'Same_1.mp3');
    await expect(fastDone).resolves.toMatchObject({ code: 226 });
    expect(sent).toBeLessThan(first.length);
    await expect(slowDone).resolves.toMatchObject({ code: 226 });

    const key = 'audiobooks/B0047/Same_1.mp3';
    await waitFor(() => logLines.filter((l) => l.message === 'ftp_chunk_stored' && (l as { key?: string }).key === key).length === 2, 10_000, 'both uploads stored');
    expect((await s3Body(key))!.equals(first)).toBe(true);
    expect(await readdir(path.join(dir, 'data', 'spool'))).toEqual([]);
    expect(await readdir(path.join(dir, 'data', 'incoming'))).toEqual([]);
    expect(logLines.filter((l) => l.message === 'ftp_accept_failed')).toEqual([]);
  });

  it('a newer upload of a name whose older upload failed waits for it: after the retry the newer one is in S3', async () => {
    const server = await startFtp({ retryMs: 60_000 });
    const key = 'audiobooks/B0048/Retry_1.mp3';
    let outage = true;
    emu.s3.middlewareStack.add(
      (next, ctx) => async (args) => {
        const input = (args as { input: { Key?: string } }).input;
        if (outage && input.Key === key && /PutObject|CreateMultipartUpload/.test(ctx.commandName ?? '')) throw new Error('injected S3 outage');
        return next(args);
      },
      { step: 'initialize', name: 'failRetryKey' },
    );
    try {
      const client = await connect(server, 'nora', 'narrator-secret');
      await client.ensureDir('/audiobooks/B0048');
      const older = mp3(10_000);
      const newer = Buffer.concat([Buffer.from(MP3_FRAME_HEADER), Buffer.alloc(12_000 - 4, 0x33)]);
      await client.uploadFrom(Readable.from(older), 'Retry_1.mp3');
      await waitFor(() => logLines.some((l) => l.message === 'ftp_route_failed_will_retry' && l.path === 'audiobooks/B0048/Retry_1.mp3'), 5_000, 'the older upload failing');
      outage = false;
      await client.uploadFrom(Readable.from(newer), 'Retry_1.mp3');
      // The newer entry is routed now, or told to wait; then the retry of the older one comes.
      const routed = (l: { message: string; key?: string }) => l.message === 'ftp_upload_waits_for_older' || (l.message === 'ftp_chunk_stored' && l.key === key);
      await waitFor(() => logLines.some(routed), 5_000, 'the newer upload routed');
      await server.ingest.resume();
      expect((await s3Body(key))!.equals(newer)).toBe(true);
      expect(logLines.filter((l) => l.message === 'ftp_upload_waits_for_older')).toHaveLength(1);
      expect(await readdir(path.join(dir, 'data', 'spool'))).toEqual([]);
    } finally {
      emu.s3.middlewareStack.remove('failRetryKey');
    }
  });

  it('refuses writes outside the role\'s folders and keeps path traversal inside the home', async () => {
    const server = await startFtp();
    const client = await connect(server, 'nora', 'narrator-secret');
    await expect(client.uploadFrom(Readable.from(mp3()), '../../../escape.mp3')).rejects.toThrow(/550/);
    await expect(client.uploadFrom(Readable.from(mp3()), '/audiobooks/../../../../escape2.mp3')).rejects.toThrow(/550/);
    await expect(client.uploadFrom(Readable.from(mp3()), '/samples/s.mp3')).rejects.toThrow(/550/);
    expect(existsSync(path.join(dir, 'escape.mp3'))).toBe(false);
    expect(existsSync(path.join(dir, 'data', 'escape2.mp3'))).toBe(false);
    expect(existsSync(path.join(dir, 'data', 'homes', 'escape.mp3'))).toBe(false);
  });

  it('rsyncs a staff member\'s sample to the master copy and keeps a partner\'s shared file', async () => {
    const server = await startFtp();
    const staff = await connect(server, 'sam', 'staff-secret-1');
    await staff.ensureDir('/samples/B0042');
    await staff.uploadFrom(Readable.from(Buffer.from('sample bytes')), 'teaser.mp3');
    await waitFor(() => existsSync(path.join(master, 'samples', 'B0042', 'teaser.mp3')), 10_000, 'the sample on the master');
    expect(await readFile(path.join(master, 'samples', 'B0042', 'teaser.mp3'), 'utf8')).toBe('sample bytes');

    const partner = await connect(server, 'pat', 'partner-secret');
    await partner.uploadFrom(Readable.from(Buffer.from('contract')), '/shared/contract.pdf');
    expect(await readFile(path.join(dir, 'data', 'homes', 'pat', 'shared', 'contract.pdf'), 'utf8')).toBe('contract');
  });

  it('resumes a pending upload after a restart', async () => {
    // S3 unreachable: the chunk waits in the spool.
    const deadS3 = new S3Client({ ...s3ClientOptions(), endpoint: 'http://127.0.0.1:9', forcePathStyle: true, maxAttempts: 1 });
    const first = await startFtp({ s3: deadS3, retryMs: 60_000 });
    const client = await connect(first, 'nora', 'narrator-secret');
    await client.ensureDir('/audiobooks/B0044');
    await client.uploadFrom(Readable.from(mp3()), 'pending_1.mp3');
    await waitFor(async () => (await readdir(path.join(dir, 'data', 'spool'))).length === 1, 5_000, 'a spool entry');
    client.close();
    await first.stop();
    servers.splice(servers.indexOf(first), 1);
    deadS3.destroy();
    expect(await s3Body('audiobooks/B0044/pending_1.mp3')).toBeUndefined();

    await startFtp();
    await waitFor(() => s3Body('audiobooks/B0044/pending_1.mp3'), 10_000, 'the resumed chunk in S3');
  });

  it('serves explicit FTPS with the configured certificate and refuses logins in clear', async () => {
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const server = await startFtp({ tls: { certFile, keyFile } });
    await expect(connect(server, 'nora', 'narrator-secret', false)).rejects.toThrow(/530/);
    const client = await connect(server, 'nora', 'narrator-secret', true);
    await client.ensureDir('/audiobooks/B0045');
    await client.uploadFrom(Readable.from(mp3()), 'secure_1.mp3');
    await waitFor(() => s3Body('audiobooks/B0045/secure_1.mp3'), 10_000, 'the chunk sent over FTPS');
  });
});
