import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

/**
 * Uploads a local file with a CRC32 full-object checksum (`ChecksumType: FULL_OBJECT`), the one
 * S3 keeps for a multipart object too: S3 checks each part's CRC32 and, at completion, the
 * whole file's against the one computed here from the file, and returns it on every whole GET
 * with `ChecksumMode: ENABLED`, so a web server can verify a chunk end to end with one cheap
 * CRC32 (zlib's, native) instead of MD5. Parts are read one after the other (the whole-file
 * CRC32 runs over them in order) and up to `partsInFlight` are sent at once; the upload is
 * aborted on any failure, never left half-written. `signal` stops it between parts: requests
 * already sent finish, so an object that reached S3 is not sent again by the next run.
 */
export interface FileUpload {
  bucket: string;
  key: string;
  path: string;
  contentType?: string;
  /** Bytes per part; a file no larger goes up in one PutObject. S3's minimum is 5 MiB. */
  partSize?: number;
  partsInFlight?: number;
  signal?: AbortSignal;
}

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export interface UploadedFile {
  etag: string;
  size: number;
  /** The whole file's CRC32, base64 as S3 writes it. */
  crc32: string;
}

export function crc32Base64(value: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b.toString('base64');
}

export async function uploadFile(s3: S3Client, up: FileUpload): Promise<UploadedFile> {
  const partSize = up.partSize ?? DEFAULT_PART_SIZE;
  const fh = await open(up.path, 'r');
  try {
    const size = (await fh.stat()).size;
    const common = { Bucket: up.bucket, Key: up.key };
    up.signal?.throwIfAborted();
    if (size <= partSize) {
      const body = Buffer.allocUnsafe(size);
      if (size > 0) await readFully(fh, body, 0);
      const crc = crc32Base64(crc32(body));
      const res = await s3.send(new PutObjectCommand({ ...common, Body: body, ContentType: up.contentType, ContentLength: size, ChecksumAlgorithm: 'CRC32', ChecksumCRC32: crc }));
      return { etag: res.ETag ?? '', size, crc32: crc };
    }
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ ...common, ContentType: up.contentType, ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }));
    const inFlight = new Set<Promise<void>>();
    try {
      const parts: CompletedPart[] = [];
      let whole = 0;
      for (let at = 0, n = 1; at < size; at += partSize, n++) {
        up.signal?.throwIfAborted();
        const body = Buffer.allocUnsafe(Math.min(partSize, size - at));
        await readFully(fh, body, at);
        whole = crc32(body, whole);
        const part: CompletedPart = { PartNumber: n, ChecksumCRC32: crc32Base64(crc32(body)) };
        parts.push(part);
        const sent: Promise<void> = s3
          .send(new UploadPartCommand({ ...common, UploadId, PartNumber: n, Body: body, ContentLength: body.length, ChecksumAlgorithm: 'CRC32', ChecksumCRC32: part.ChecksumCRC32 }))
          .then((res) => {
            part.ETag = res.ETag;
          })
          .finally(() => inFlight.delete(sent));
        sent.catch(() => undefined); // observed by the race or the all below, not left unhandled meanwhile
        inFlight.add(sent);
        if (inFlight.size >= (up.partsInFlight ?? 4)) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      const crc = crc32Base64(whole);
      const res = await s3.send(
        new CompleteMultipartUploadCommand({ ...common, UploadId, MultipartUpload: { Parts: parts }, ChecksumType: 'FULL_OBJECT', ChecksumCRC32: crc }),
      );
      return { etag: res.ETag ?? '', size, crc32: crc };
    } catch (e: unknown) {
      await Promise.allSettled(inFlight);
      await s3.send(new AbortMultipartUploadCommand({ ...common, UploadId })).catch(() => undefined);
      throw e;
    }
  } finally {
    await fh.close();
  }
}

async function readFully(fh: import('node:fs/promises').FileHandle, into: Buffer, position: number): Promise<void> {
  for (let off = 0; off < into.length; ) {
    const { bytesRead } = await fh.read(into, off, into.length - off, position + off);
    if (bytesRead === 0) throw new Error(`file shrank while uploading (${into.length - off} bytes short)`);
    off += bytesRead;
  }
}
