import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { crc32Base64 } from '../../cloud/s3-upload';

/**
 * What s3rver lacks and real S3 does, added in front of its routes: S3's additional checksums
 * (CRC32, FULL_OBJECT or COMPOSITE) and real multipart ETags (the MD5 of the parts' MD5s, `-N`),
 * both computed from the bytes as they are uploaded and kept beside s3rver's files; a client's
 * checksum that does not match the bytes is refused with BadDigest; GET/HEAD return the
 * checksum with `x-amz-checksum-mode: ENABLED` on whole-object reads only (as S3, never on a
 * Range); `partNumber` on GET/HEAD serves that part (206, `x-amz-mp-parts-count`).
 * Uploads without a checksum get none (S3 before 2025; today's S3 would add CRC64NVME).
 * So a byte flipped later, on the emulator's disk or by a proxy, no longer matches what the
 * emulator serves as the object's checksum or ETag.
 */
export interface StoredIntegrity {
  /** The ETag as the emulator serves it (quoted). */
  etag: string;
  size: number;
  checksum?: { algorithm: 'CRC32'; type: 'FULL_OBJECT' | 'COMPOSITE'; value: string };
  /** Part sizes, in order, for a multipart object. */
  parts?: number[];
}

interface PartRecord {
  size: number;
  md5: string;
  crc32: string;
}

interface UploadRecord {
  algorithm?: 'CRC32';
  type?: 'FULL_OBJECT' | 'COMPOSITE';
}

type Ctx = {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  req: IncomingMessage | Readable;
  status: number;
  body: unknown;
  set(name: string, value: string): void;
  response: { get(name: string): string };
};
type S3ErrorClass = new (code: string, message: string, detail?: object) => Error;
type Store = { getResourcePath(bucket: string, key: string | undefined, resource: string): string };

const MAX_SEGMENT_BYTES = 255 - '._S3rver_metadata.json'.length;
const CHECKSUM_HEADERS = ['x-amz-checksum-crc32c', 'x-amz-checksum-crc64nvme', 'x-amz-checksum-sha1', 'x-amz-checksum-sha256'];

export function integrityLayer(opts: { store: Store; dir: string; S3Error: S3ErrorClass }) {
  const { store, S3Error } = opts;
  const file = (bucket: string, key: string) => path.join(opts.dir, 'objects', createHash('sha256').update(`${bucket}\n${key}`).digest('hex'));
  const uploadDir = (id: string) => path.join(opts.dir, 'uploads', id.replace(/[^A-Za-z0-9]/g, ''));
  const readJson = async <T>(p: string): Promise<T | undefined> => readFile(p, 'utf8').then((t) => JSON.parse(t) as T, () => undefined);
  const writeJson = async (p: string, v: unknown) => {
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, JSON.stringify(v));
  };
  const objectPath = (bucket: string, key: string) => store.getResourcePath(bucket, key, 'object');

  /** Passes the request body through to s3rver, computing its size, MD5 and CRC32 on the way. */
  const tee = (ctx: Ctx) => {
    const source = ctx.req as IncomingMessage;
    const md5 = createHash('md5');
    const sums = { size: 0, crc: 0 };
    const through = new PassThrough();
    source.on('data', (d: Buffer) => {
      md5.update(d);
      sums.crc = crc32(d, sums.crc);
      sums.size += d.length;
      if (!through.write(d)) source.pause();
    });
    through.on('drain', () => source.resume());
    source.on('end', () => through.end());
    source.on('error', (e) => through.destroy(e));
    ctx.req = through;
    return () => ({ size: sums.size, md5: md5.digest('hex'), crc32: crc32Base64(sums.crc) });
  };

  const refuseOtherAlgorithms = (ctx: Ctx) => {
    for (const h of CHECKSUM_HEADERS) {
      if (ctx.headers[h]) throw new S3Error('NotImplemented', `the emulator keeps CRC32 checksums only (${h})`);
    }
  };

  return async function integrity(ctx: Ctx, next: () => Promise<void>): Promise<void> {
    const m = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (!m) return next();
    const bucket = decodeURIComponent(m[1]!);
    const key = decodeURIComponent(m[2]!);
    // s3rver keeps a key's last segment as a file name plus a suffix of up to 22 bytes: past
    // 255 bytes it answers InternalError or, for the object file itself, crashes the process.
    // S3 takes keys up to 1024 bytes; this emulator refuses what it cannot store, clearly.
    if (Buffer.byteLength(key.split('/').pop()!) > MAX_SEGMENT_BYTES) {
      throw new S3Error('KeyTooLongError', `the local S3 emulator keeps keys as files: a key's last segment may have at most ${MAX_SEGMENT_BYTES} bytes`);
    }
    const q = ctx.query;
    const method = ctx.method;
    // The SDK adds `x-id=<Operation>` to some requests; it names, it does not select.
    const params = Object.keys(q).filter((k) => k !== 'x-id');

    if (method === 'PUT' && q.uploadId !== undefined && q.partNumber !== undefined) {
      refuseOtherAlgorithms(ctx);
      const sums = tee(ctx);
      await next();
      if (ctx.status !== 200) return;
      const part = sums();
      const claimed = ctx.headers['x-amz-checksum-crc32'];
      if (claimed && claimed !== part.crc32) throw new S3Error('BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
      await writeJson(path.join(uploadDir(q.uploadId), `${Number(q.partNumber)}.json`), part satisfies PartRecord);
      const upload = await readJson<UploadRecord>(path.join(uploadDir(q.uploadId), 'upload.json'));
      if (upload?.algorithm) ctx.set('x-amz-checksum-crc32', part.crc32);
      return;
    }

    if (method === 'PUT' && q.uploadId === undefined && !ctx.headers['x-amz-copy-source'] && params.length === 0) {
      refuseOtherAlgorithms(ctx);
      const sums = tee(ctx);
      await next();
      if (ctx.status !== 200) return;
      const obj = sums();
      const claimed = ctx.headers['x-amz-checksum-crc32'];
      if (claimed && claimed !== obj.crc32) {
        await unlink(objectPath(bucket, key)).catch(() => undefined);
        throw new S3Error('BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
      }
      const wantsCrc = claimed !== undefined || /^crc32$/i.test(ctx.headers['x-amz-sdk-checksum-algorithm'] ?? '');
      const stored: StoredIntegrity = { etag: `"${obj.md5}"`, size: obj.size, ...(wantsCrc ? { checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT', value: obj.crc32 } } : {}) };
      await writeJson(file(bucket, key), stored);
      if (stored.checksum) {
        ctx.set('x-amz-checksum-crc32', obj.crc32);
        ctx.set('x-amz-checksum-type', 'FULL_OBJECT');
      }
      return;
    }

    if (method === 'POST' && q.uploads !== undefined) {
      const algorithm = ctx.headers['x-amz-checksum-algorithm'];
      const type = ctx.headers['x-amz-checksum-type'];
      if (algorithm && !/^crc32$/i.test(algorithm)) throw new S3Error('NotImplemented', `the emulator keeps CRC32 checksums only (${algorithm})`);
      if (type && !algorithm) throw new S3Error('InvalidRequest', 'x-amz-checksum-type needs x-amz-checksum-algorithm');
      await next();
      const result = (ctx.body as { InitiateMultipartUploadResult?: { UploadId?: string } } | undefined)?.InitiateMultipartUploadResult;
      if (!result?.UploadId) return;
      const record: UploadRecord = algorithm ? { algorithm: 'CRC32', type: type === 'FULL_OBJECT' ? 'FULL_OBJECT' : 'COMPOSITE' } : {};
      await writeJson(path.join(uploadDir(result.UploadId), 'upload.json'), record);
      if (record.algorithm) {
        ctx.set('x-amz-checksum-algorithm', 'CRC32');
        ctx.set('x-amz-checksum-type', record.type!);
      }
      return;
    }

    if (method === 'POST' && q.uploadId !== undefined) {
      const dir = uploadDir(q.uploadId);
      const body = await readBody(ctx.req as IncomingMessage);
      ctx.req = Readable.from([body]);
      const listed = [...body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((p) => ({
        number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(p[1]!)?.[1]),
        crc32: /<ChecksumCRC32>([^<]*)<\/ChecksumCRC32>/.exec(p[1]!)?.[1],
      }));
      const upload = (await readJson<UploadRecord>(path.join(dir, 'upload.json'))) ?? {};
      const parts: PartRecord[] = [];
      for (const p of listed) {
        const rec = await readJson<PartRecord>(path.join(dir, `${p.number}.json`));
        if (!rec) throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found.');
        if (upload.algorithm && p.crc32 !== undefined && p.crc32 !== rec.crc32) throw new S3Error('InvalidPart', `part ${p.number}: checksum does not match`);
        parts.push(rec);
      }
      await next();
      const result = (ctx.body as { CompleteMultipartUploadResult?: { ETag?: string } } | undefined)?.CompleteMultipartUploadResult;
      if (!result) return;
      const etag = `"${createHash('md5').update(Buffer.concat(parts.map((p) => Buffer.from(p.md5, 'hex')))).digest('hex')}-${parts.length}"`;
      const size = parts.reduce((n, p) => n + p.size, 0);
      let checksum: StoredIntegrity['checksum'];
      if (upload.algorithm && upload.type === 'FULL_OBJECT') {
        const value = await crc32OfFile(objectPath(bucket, key));
        const claimed = ctx.headers['x-amz-checksum-crc32'];
        if (claimed && claimed !== value) {
          await unlink(objectPath(bucket, key)).catch(() => undefined);
          throw new S3Error('BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
        }
        checksum = { algorithm: 'CRC32', type: 'FULL_OBJECT', value };
      } else if (upload.algorithm) {
        const joined = Buffer.concat(parts.map((p) => Buffer.from(p.crc32, 'base64')));
        checksum = { algorithm: 'CRC32', type: 'COMPOSITE', value: `${crc32Base64(crc32(joined))}-${parts.length}` };
      }
      // s3rver gives a multipart object the MD5 of its bytes; S3 gives it the MD5 of the parts' MD5s.
      // (s3rver serves the ETag it finds in `<object>.md5`.)
      await writeFile(store.getResourcePath(bucket, key, 'object.md5'), etag.slice(1, -1));
      result.ETag = etag;
      await writeJson(file(bucket, key), { etag, size, parts: parts.map((p) => p.size), ...(checksum ? { checksum } : {}) } satisfies StoredIntegrity);
      await rm(dir, { recursive: true, force: true });
      if (checksum) {
        ctx.set('x-amz-checksum-crc32', checksum.value);
        ctx.set('x-amz-checksum-type', checksum.type);
      }
      return;
    }

    if (method === 'DELETE' && q.uploadId !== undefined) {
      await next();
      await rm(uploadDir(q.uploadId), { recursive: true, force: true });
      return;
    }

    if (method === 'DELETE' && params.length === 0) {
      await next();
      await unlink(file(bucket, key)).catch(() => undefined);
      return;
    }

    if ((method === 'GET' || method === 'HEAD') && params.every((k) => k === 'partNumber' || k.startsWith('response-') || k.startsWith('X-Amz-'))) {
      const stored = await readJson<StoredIntegrity>(file(bucket, key));
      let partsCount: number | undefined;
      if (q.partNumber !== undefined) {
        const n = Number(q.partNumber);
        const sizes = stored?.parts ?? (stored ? [stored.size] : undefined);
        if (!Number.isInteger(n) || n < 1) throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
        if (sizes && n > sizes.length) throw new S3Error('InvalidPartNumber', 'The requested partnumber is not satisfiable');
        if (sizes && stored?.parts) {
          const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
          (ctx.headers as Record<string, string>)['range'] = `bytes=${start}-${start + sizes[n - 1]! - 1}`;
          partsCount = sizes.length;
        }
      }
      await next();
      if (ctx.status !== 200 && ctx.status !== 206) return;
      if (partsCount !== undefined) ctx.set('x-amz-mp-parts-count', String(partsCount));
      const wholeRead = ctx.headers['range'] === undefined && q.partNumber === undefined;
      const sameVersion = stored?.etag === ctx.response.get('ETag');
      if (wholeRead && sameVersion && stored.checksum && ctx.headers['x-amz-checksum-mode'] === 'ENABLED') {
        ctx.set('x-amz-checksum-crc32', stored.checksum.value);
        ctx.set('x-amz-checksum-type', stored.checksum.type);
      }
      return;
    }
    return next();
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const d of req) parts.push(d as Buffer);
  return Buffer.concat(parts);
}

async function crc32OfFile(p: string): Promise<string> {
  let c = 0;
  for await (const d of createReadStream(p, { highWaterMark: 1024 * 1024 })) c = crc32(d as Buffer, c);
  return crc32Base64(c);
}
