import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from './errors';
import { assertBook, isValidBook, isValidFile } from './keys';
import { compareNatural } from './natural-order';
import { parseJsonWith } from './validate';

export interface ManifestChunk {
  file: string;
  size: number;
  etag: string;
  lastModified: string;
}

/** `listing/<book>.json`: every chunk of one book, in natural order. */
export interface Manifest {
  book: string;
  chunks: ManifestChunk[];
}

/** One object as a ListObjectsV2 page describes it. */
export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

const chunkSchema = z.object({
  file: z.string().refine(isValidFile, 'not a chunk file name'),
  size: z.number().int().nonnegative(),
  etag: z.string().min(1),
  lastModified: z.iso.datetime({ offset: true }),
});

const manifestSchema = z.object({
  book: z.string().refine(isValidBook, 'not a book code'),
  chunks: z.array(chunkSchema).min(1),
});

/** S3 quotes ETags; manifests and caches compare them bare. */
export function bareEtag(etag: string): string {
  return etag.replace(/^(W\/)?"|"$/g, '');
}

/**
 * The manifest of one book from the objects under its prefix, or undefined when the book has no
 * chunks (such a book has no manifest). Keys that are not chunks of this book are left out.
 */
export function buildManifest(book: string, objects: Iterable<ListedObject>): Manifest | undefined {
  const prefix = `audiobooks/${assertBook(book)}/`;
  const chunks: ManifestChunk[] = [];
  for (const o of objects) {
    if (!o.key.startsWith(prefix)) continue;
    const file = o.key.slice(prefix.length);
    if (!isValidFile(file)) continue;
    chunks.push({ file, size: o.size, etag: bareEtag(o.etag), lastModified: o.lastModified.toISOString() });
  }
  if (chunks.length === 0) return undefined;
  chunks.sort((a, b) => compareNatural(a.file, b.file));
  return { book, chunks };
}

/** Stable text: the same manifest always serialises to the same bytes, so equal text means no change. */
export function serializeManifest(m: Manifest): string {
  const chunks = m.chunks.map((c) => ({ file: c.file, size: c.size, etag: c.etag, lastModified: c.lastModified }));
  return `${JSON.stringify({ book: m.book, chunks })}\n`;
}

export function parseManifest(text: string, expectedBook?: string): Manifest {
  const manifest = parseJsonWith(manifestSchema, text, 'manifest');
  if (expectedBook !== undefined && manifest.book !== expectedBook) {
    throw new ValidationError(`manifest names book ${manifest.book}, expected ${expectedBook}`);
  }
  return manifest;
}

/** The ETag S3 gives a single-part, non-KMS PUT of this text: lets a walk spot unchanged manifests without a GET. */
export function plainPutEtag(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}
