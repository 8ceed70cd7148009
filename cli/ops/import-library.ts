import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { chunkNameProblem } from '../../core/chunk-rule';
import { CHUNK_PREFIX, formatChunkKey, isValidBook } from '../../core/keys';
import { bareEtag } from '../../core/manifest';
import { mapSettled } from '../../core/concurrency';
import { listPages } from '../../cloud/s3';
import { DEFAULT_PART_SIZE, uploadFile } from '../../cloud/s3-upload';
import { chunkFileProblem } from '../../instance/chunk-file';
import { countOf } from '../plural';
import { noProgress, type Progress } from '../progress';

export interface LocalChunk {
  book: string;
  file: string;
  path: string;
  size: number;
}

export interface ImportSummary {
  uploaded: number;
  uploadedBytes: number;
  skipped: number;
  /** Files that are not chunks (core/chunk-rule.ts, the rule FTP ingest quarantines by): left alone. */
  rejected: { path: string; reason: string }[];
  /** Files whose bytes are not an mp3 but were uploaded anyway (--force). */
  forced: { path: string; reason: string }[];
  failed: { path: string; reason: string }[];
  /** Chunks not uploaded because the run was interrupted; the next run does them. */
  interrupted: number;
  seconds: number;
}

export interface ImportOptions {
  s3: S3Client;
  bucket: string;
  dir: string;
  /** Files uploaded at once; each uploads up to `partsInFlight` parts at once. */
  concurrency?: number;
  partSize?: number;
  partsInFlight?: number;
  dryRun?: boolean;
  /** Upload files whose bytes fail the chunk check (they are reported as forced). */
  force?: boolean;
  progress?: Progress;
  signal?: AbortSignal;
  /** Keys per LIST page of the walk of what S3 already holds. */
  pageSize?: number;
}

export { DEFAULT_PART_SIZE };

/**
 * `<dir>/<book>/<file>.mp3`: every chunk of an old library, and what cannot be one (with why), by
 * the rule FTP ingest applies (core/chunk-rule.ts). With `force`, files named as chunks whose
 * bytes fail the check are chunks too, and listed as forced.
 */
export async function scanLibrary(
  dir: string,
  opts: { force?: boolean } = {},
): Promise<{ chunks: LocalChunk[]; rejected: ImportSummary['rejected']; forced: ImportSummary['forced'] }> {
  const chunks: LocalChunk[] = [];
  const rejected: ImportSummary['rejected'] = [];
  const forced: ImportSummary['forced'] = [];
  for (const bookEntry of await readdir(dir, { withFileTypes: true })) {
    const bookPath = path.join(dir, bookEntry.name);
    if (!bookEntry.isDirectory()) {
      rejected.push({ path: bookPath, reason: 'not in a book folder' });
      continue;
    }
    if (!isValidBook(bookEntry.name)) {
      rejected.push({ path: bookPath, reason: `not a book code: ${bookEntry.name}` });
      continue;
    }
    for (const fileEntry of await readdir(bookPath, { withFileTypes: true })) {
      const filePath = path.join(bookPath, fileEntry.name);
      const problem = fileEntry.isFile() ? chunkNameProblem(bookEntry.name, fileEntry.name) : 'not a regular file';
      if (problem) {
        rejected.push({ path: filePath, reason: problem });
        continue;
      }
      const content = await chunkFileProblem(filePath);
      if (content && !opts.force) {
        rejected.push({ path: filePath, reason: content });
        continue;
      }
      if (content) forced.push({ path: filePath, reason: content });
      chunks.push({ book: bookEntry.name, file: fileEntry.name, path: filePath, size: (await stat(filePath)).size });
    }
  }
  chunks.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { chunks, rejected, forced };
}

/**
 * The ETags S3 may hold for this file: the MD5 of a single PUT, and the multipart form
 * (MD5 of the parts' MD5s, `-N`) for our part size. One read of the file gives both.
 */
export async function localEtags(filePath: string, partSize: number): Promise<string[]> {
  const whole = createHash('md5');
  const partDigests: Buffer[] = [];
  let part = createHash('md5');
  let inPart = 0;
  for await (const buf of createReadStream(filePath, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    whole.update(buf);
    let offset = 0;
    while (offset < buf.length) {
      const take = Math.min(partSize - inPart, buf.length - offset);
      part.update(buf.subarray(offset, offset + take));
      inPart += take;
      offset += take;
      if (inPart === partSize) {
        partDigests.push(part.digest());
        part = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (inPart > 0) partDigests.push(part.digest());
  const etags = [whole.digest('hex')];
  if (partDigests.length > 1) {
    etags.push(`${createHash('md5').update(Buffer.concat(partDigests)).digest('hex')}-${partDigests.length}`);
  }
  return etags;
}

/**
 * Uploads an old library to audiobooks/, each chunk with a CRC32 full-object checksum (cloud/s3-upload.ts).
 * An object already in S3 with the same size and ETag is skipped, so a second run after an
 * interruption uploads only what is missing; an interrupted multipart upload is aborted, never
 * left half-written.
 */
export async function importLibrary(opts: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const { s3, bucket } = opts;
  const partSize = opts.partSize ?? DEFAULT_PART_SIZE;
  const progress = opts.progress ?? noProgress;
  const { chunks, rejected, forced } = await scanLibrary(opts.dir, { force: opts.force });

  const remote = new Map<string, { size: number; etag: string }>();
  for await (const page of listPages(s3, bucket, CHUNK_PREFIX, { signal: opts.signal, pageSize: opts.pageSize })) {
    for (const o of page) remote.set(o.key, { size: o.size, etag: bareEtag(o.etag) });
  }

  const summary: ImportSummary = { uploaded: 0, uploadedBytes: 0, skipped: 0, rejected, forced, failed: [], interrupted: 0, seconds: 0 };
  progress.total(chunks.reduce((n, c) => n + c.size, 0));
  const results = await mapSettled(chunks, opts.concurrency ?? 4, async (chunk) => {
    opts.signal?.throwIfAborted();
    const key = formatChunkKey(chunk);
    const there = remote.get(key);
    if (there && there.size === chunk.size && (await localEtags(chunk.path, partSize)).includes(there.etag)) {
      summary.skipped++;
      progress.tick(chunk.size, key);
      return;
    }
    if (!opts.dryRun) {
      await uploadFile(s3, { bucket, key, path: chunk.path, contentType: 'audio/mpeg', partSize, partsInFlight: opts.partsInFlight, signal: opts.signal });
    }
    summary.uploaded++;
    summary.uploadedBytes += chunk.size;
    progress.tick(chunk.size, key);
  });
  results.forEach((r, i) => {
    if (r.ok) return;
    if (opts.signal?.aborted) summary.interrupted++;
    else summary.failed.push({ path: chunks[i]!.path, reason: (r.error as Error).message });
  });
  progress.done();
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatImportSummary(s: ImportSummary, dryRun = false): string {
  return (
    `import: ${dryRun ? 'would upload' : 'uploaded'} ${countOf(s.uploaded, 'chunk')} (${mb(s.uploadedBytes)}), ` +
    `skipped ${s.skipped} already in S3, rejected ${s.rejected.length}${s.forced.length ? `, forced ${s.forced.length}` : ''}, failed ${s.failed.length}` +
    `${s.interrupted ? `, ${s.interrupted} left for the next run` : ''}; ${s.seconds.toFixed(1)}s`
  );
}
