import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3ServiceException, UploadPartCommand } from '@aws-sdk/client-s3';
import { useEmulators } from '../support/emulators';

// S3's conditional writes as the API reference describes them (PutObject, DeleteObject,
// CompleteMultipartUpload: If-None-Match "*" → 412 PreconditionFailed on an existing key;
// If-Match → 412 on another ETag, 404 NoSuchKey on a missing key), as the emulator serves them
// to the real SDK client.
const emu = useEmulators('shelfstack-conditional');

async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await p;
  } catch (e: unknown) {
    if (!(e instanceof S3ServiceException)) throw e;
    return { name: e.name, status: e.$metadata.httpStatusCode };
  }
  throw new Error('the request succeeded');
}

const put = (Key: string, Body: string, cond: { IfMatch?: string; IfNoneMatch?: string } = {}) =>
  emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key, Body, ...cond }));
const text = async (Key: string) => (await emu.s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key }))).Body!.transformToString();

describe('the S3 emulator honours conditional writes', () => {
  it('PutObject If-None-Match "*": creates a missing key, refuses an existing one with 412 PreconditionFailed', async () => {
    const first = await put('c/new.json', 'one', { IfNoneMatch: '*' });
    expect(first.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await failure(put('c/new.json', 'two', { IfNoneMatch: '*' }))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await text('c/new.json')).toBe('one');
  });

  it('PutObject If-Match: writes on the current ETag, 412 on another, 404 NoSuchKey on a missing key', async () => {
    const a = await put('c/match.json', 'a');
    const b = await put('c/match.json', 'b', { IfMatch: a.ETag });
    expect(await failure(put('c/match.json', 'stale', { IfMatch: a.ETag }))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await text('c/match.json')).toBe('b');
    await put('c/match.json', 'c', { IfMatch: b.ETag!.slice(1, -1) }); // unquoted, as S3 also accepts
    expect(await text('c/match.json')).toBe('c');
    expect(await failure(put('c/missing.json', 'x', { IfMatch: a.ETag }))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await failure(text('c/missing.json'))).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('DeleteObject If-Match: deletes on the current ETag, 412 on another (object kept), 404 NoSuchKey when gone; unconditional stays 204', async () => {
    const a = await put('c/del.json', 'a');
    const b = await put('c/del.json', 'b');
    expect(await failure(emu.s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: 'c/del.json', IfMatch: a.ETag })))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await text('c/del.json')).toBe('b');
    const ok = await emu.s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: 'c/del.json', IfMatch: b.ETag }));
    expect(ok.$metadata.httpStatusCode).toBe(204);
    expect(await failure(emu.s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: 'c/del.json', IfMatch: b.ETag })))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await failure(emu.s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: 'c/del.json', IfMatch: '*' })))).toEqual({ name: 'NoSuchKey', status: 404 });
    const plain = await emu.s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: 'c/del.json' }));
    expect(plain.$metadata.httpStatusCode).toBe(204);
  });

  it('CompleteMultipartUpload If-None-Match "*": 412 when the key was created meanwhile', async () => {
    const Key = 'c/multi.bin';
    const { UploadId } = await emu.s3.send(new CreateMultipartUploadCommand({ Bucket: emu.bucket, Key }));
    const part = await emu.s3.send(new UploadPartCommand({ Bucket: emu.bucket, Key, UploadId, PartNumber: 1, Body: 'part' }));
    await put(Key, 'someone else');
    const complete = emu.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: emu.bucket, Key, UploadId, IfNoneMatch: '*', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expect(await failure(complete)).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await text(Key)).toBe('someone else');
  });

  it('two concurrent creates of one key: exactly one wins', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => put('c/race.json', `w${i}`, { IfNoneMatch: '*' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(7);
  });
});
