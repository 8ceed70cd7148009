import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

/**
 * S3's conditional writes, which s3rver ignores, added in front of its routes (and of
 * `s3-integrity.ts`), as the S3 API reference describes them:
 * - PutObject / CompleteMultipartUpload with `If-None-Match: *`: 412 PreconditionFailed when the
 *   key exists;
 * - PutObject / CompleteMultipartUpload / DeleteObject with `If-Match: <etag>`: 412
 *   PreconditionFailed when the stored ETag differs, 404 NoSuchKey when there is no such key
 *   (`If-Match: *` on a delete: 404 when absent, else deleted).
 * Every write to a key (conditional or not) holds that key's lock from the check to the end of
 * s3rver's write, so a check and its write are one step, as in S3 (which answers a concurrent
 * conditional write with 409 ConditionalRequestConflict; here the second simply waits).
 */
type Ctx = {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
};
type S3ErrorClass = new (code: string, message: string, detail?: object) => Error;
type Store = { getResourcePath(bucket: string, key: string | undefined, resource: string): string };

const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');

export function conditionalLayer(opts: { store: Store; S3Error: S3ErrorClass }) {
  const { store, S3Error } = opts;
  const locks = new Map<string, Promise<unknown>>();

  /** The stored object's ETag, unquoted, or undefined when there is no such key. */
  const currentEtag = async (bucket: string, key: string): Promise<string | undefined> => {
    const objectPath = store.getResourcePath(bucket, key, 'object');
    try {
      await stat(objectPath);
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const md5 = await readFile(store.getResourcePath(bucket, key, 'object.md5'), 'utf8').catch(() => undefined);
    return md5 ?? (await md5OfFile(objectPath));
  };

  const check = async (ctx: Ctx, bucket: string, key: string, isDelete: boolean) => {
    const ifMatch = ctx.headers['if-match'];
    const ifNoneMatch = isDelete ? undefined : ctx.headers['if-none-match'];
    if (ifMatch === undefined && ifNoneMatch === undefined) return;
    if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
      throw new S3Error('NotImplemented', 'A header you provided implies functionality that is not implemented', { Header: 'If-None-Match' });
    }
    const etag = await currentEtag(bucket, key);
    if (ifNoneMatch !== undefined && etag !== undefined) {
      throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
    }
    if (ifMatch !== undefined) {
      if (etag === undefined) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
      if (ifMatch.trim() !== '*' && unquote(ifMatch) !== etag) {
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
      }
    }
  };

  const withLock = async (id: string, work: () => Promise<void>) => {
    const before = locks.get(id) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.catch(() => undefined);
    locks.set(id, tail);
    try {
      await mine;
    } finally {
      if (locks.get(id) === tail) locks.delete(id);
    }
  };

  return async function conditional(ctx: Ctx, next: () => Promise<void>): Promise<void> {
    const m = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (!m) return next();
    const q = ctx.query;
    const isPut = ctx.method === 'PUT' && q.uploadId === undefined && !ctx.headers['x-amz-copy-source'];
    const isComplete = ctx.method === 'POST' && q.uploadId !== undefined;
    const isDelete = ctx.method === 'DELETE' && q.uploadId === undefined;
    const onlyNames = Object.keys(q).every((k) => k === 'x-id' || k === 'uploadId');
    if (!(isPut || isComplete || isDelete) || !onlyNames) return next();
    const bucket = decodeURIComponent(m[1]!);
    const key = decodeURIComponent(m[2]!);
    await withLock(`${bucket}\n${key}`, async () => {
      await check(ctx, bucket, key, isDelete);
      await next();
    });
  };
}

async function md5OfFile(p: string): Promise<string> {
  const h = createHash('md5');
  for await (const d of createReadStream(p)) h.update(d as Buffer);
  return h.digest('hex');
}
