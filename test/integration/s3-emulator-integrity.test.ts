import { randomBytes, createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { s3ClientOptions } from '../../cloud/clients';
import { crc32Base64, uploadFile } from '../../cloud/s3-upload';
import { tempDir, useEmulators } from '../support/emulators';

// What the download tier's integrity check relies on, as the S3 emulator serves it: checksums
// computed from the bytes at upload time, real multipart ETags, and parts by number.
const emu = useEmulators('shelfstack-integrity');
const MiB = 1024 * 1024;

function md5Parts(data: Buffer, partSize: number): string {
  const digests: Buffer[] = [];
  for (let at = 0; at < data.length; at += partSize) digests.push(createHash('md5').update(data.subarray(at, at + partSize)).digest());
  return `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}"`;
}

async function localFile(bytes: number): Promise<{ file: string; data: Buffer }> {
  const dir = await tempDir('shelfstack-upload-');
  const data = randomBytes(bytes);
  const file = path.join(dir, 'chunk.mp3');
  await writeFile(file, data);
  return { file, data };
}

describe('the S3 emulator, as the integrity check needs it', () => {
  it('keeps a FULL_OBJECT CRC32 of a multipart upload and returns it on a whole GET with ChecksumMode, never on a Range', async () => {
    const { file, data } = await localFile(13 * MiB + 5);
    const key = 'audiobooks/B1/multi.mp3';
    const up = await uploadFile(emu.s3, { bucket: emu.bucket, key, path: file, partSize: 5 * MiB });
    expect(up.crc32).toBe(crc32Base64(crc32(data)));
    expect(up.etag).toBe(md5Parts(data, 5 * MiB));

    const whole = await emu.s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: key, ChecksumMode: 'ENABLED' }));
    expect(whole.ChecksumCRC32).toBe(up.crc32);
    expect(whole.ChecksumType).toBe('FULL_OBJECT');
    expect(whole.ETag).toBe(md5Parts(data, 5 * MiB));
    expect(Buffer.from(await whole.Body!.transformToByteArray()).equals(data)).toBe(true);

    const ranged = await emu.s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: key, ChecksumMode: 'ENABLED', Range: 'bytes=0-99' }));
    expect(ranged.ChecksumCRC32).toBeUndefined();
    await ranged.Body!.transformToByteArray();
    const plain = await emu.s3.send(new HeadObjectCommand({ Bucket: emu.bucket, Key: key }));
    expect(plain.ChecksumCRC32).toBeUndefined();

    const listed = await emu.s3.send(new ListObjectsV2Command({ Bucket: emu.bucket, Prefix: key }));
    expect(listed.Contents?.[0]?.ETag).toBe(md5Parts(data, 5 * MiB));
  });

  it('serves a part by number: its length, and how many parts there are', async () => {
    const { file, data } = await localFile(12 * MiB);
    const key = 'audiobooks/B1/parts.mp3';
    await uploadFile(emu.s3, { bucket: emu.bucket, key, path: file, partSize: 5 * MiB });
    const first = await emu.s3.send(new HeadObjectCommand({ Bucket: emu.bucket, Key: key, PartNumber: 1 }));
    expect(first.ContentLength).toBe(5 * MiB);
    expect(first.PartsCount).toBe(3);
    const last = await emu.s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: key, PartNumber: 3 }));
    expect(Buffer.from(await last.Body!.transformToByteArray()).equals(data.subarray(10 * MiB))).toBe(true);
  });

  it('gives old-style multipart uploads (no checksum) a multipart ETag and no checksum', async () => {
    const data = randomBytes(11 * MiB);
    const key = 'audiobooks/B1/old.mp3';
    const s3 = new S3Client({ ...s3ClientOptions({ ...process.env, SHELFSTACK_S3_EMULATOR: 'true' }), endpoint: emu.s3Server.endpoint });
    await new Upload({ client: s3, params: { Bucket: emu.bucket, Key: key, Body: data }, partSize: 8 * MiB }).done();
    const got = await s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: key, ChecksumMode: 'ENABLED' }));
    expect(got.ETag).toBe(md5Parts(data, 8 * MiB));
    expect(got.ChecksumCRC32).toBeUndefined();
    await got.Body!.transformToByteArray();
    s3.destroy();
  });

  it('refuses a part or an object whose CRC32 does not match its bytes (BadDigest)', async () => {
    const body = Buffer.from('chapter one');
    await expect(
      emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'audiobooks/B1/bad.mp3', Body: body, ChecksumCRC32: crc32Base64(crc32(body) ^ 1) })),
    ).rejects.toMatchObject({ name: 'BadDigest' });
    await expect(emu.s3.send(new HeadObjectCommand({ Bucket: emu.bucket, Key: 'audiobooks/B1/bad.mp3' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  test('answers a key whose last segment it cannot keep as a file with KeyTooLongError, and keeps serving', async () => {
    for (const bytes of [234, 255]) {
      const key = `audiobooks/B1/${'a'.repeat(bytes - 4)}.mp3`;
      await expect(emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: key, Body: 'x' }))).rejects.toMatchObject({ name: 'KeyTooLongError', $metadata: { httpStatusCode: 400 } });
    }
    const longest = `audiobooks/B1/${'a'.repeat(233 - 4)}.mp3`;
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: longest, Body: 'x' }));
    expect(await (await emu.s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: longest }))).Body!.transformToString()).toBe('x');
  });
});
