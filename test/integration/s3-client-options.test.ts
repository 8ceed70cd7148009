import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { crc32 } from 'node:zlib';
import { isS3Emulator, s3ClientOptions } from '../../cloud/clients';
import { crc32Base64 } from '../../cloud/s3-upload';

// Production S3 clients keep the SDK's checksum defaults (checksums sent on upload, asked for
// and validated on download); only a process told it talks to the emulator cuts them.
describe('the S3 client options', () => {
  let server: http.Server;
  let endpoint: string;
  const seen: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        if (req.method === 'PUT') res.writeHead(200, { ETag: '"0cc175b9c0f1b6a831c399e269772661"' }).end();
        else res.writeHead(200, { 'Content-Length': '1', ETag: '"0cc175b9c0f1b6a831c399e269772661"' }).end('a');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => void seen.splice(0));

  async function roundTrip(env: NodeJS.ProcessEnv): Promise<{ put: http.IncomingHttpHeaders; get: http.IncomingHttpHeaders }> {
    const s3 = new S3Client({ ...s3ClientOptions({ ...env, AWS_ENDPOINT_URL_S3: endpoint }), endpoint, maxAttempts: 1 });
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'listing/B1.json', Body: 'a' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'listing/B1.json' }));
      await got.Body!.transformToString();
    } finally {
      s3.destroy();
    }
    return { put: seen[0]!, get: seen[1]! };
  }

  test('a production client, a custom endpoint included, sends a checksum with a PUT and asks for one on a GET', async () => {
    const env = { ...process.env };
    delete env.SHELFSTACK_S3_EMULATOR;
    expect(isS3Emulator(env)).toBe(false);
    expect(s3ClientOptions(env)).not.toHaveProperty('requestChecksumCalculation');
    expect(s3ClientOptions(env)).not.toHaveProperty('responseChecksumValidation');
    const { put, get } = await roundTrip(env);
    expect(put['x-amz-checksum-crc32']).toBe(crc32Base64(crc32(Buffer.from('a'))));
    expect(get['x-amz-checksum-mode']).toBe('ENABLED');
  });

  test('a client told it talks to the emulator sends checksums only where S3 requires them', async () => {
    const env = { ...process.env, SHELFSTACK_S3_EMULATOR: 'true' };
    expect(s3ClientOptions(env)).toMatchObject({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    const { put, get } = await roundTrip(env);
    expect(put['x-amz-checksum-crc32']).toBeUndefined();
    expect(get['x-amz-checksum-mode']).toBeUndefined();
  });
});
