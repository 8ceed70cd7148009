import { access } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { ValidationError } from '../../core/errors';
import { assertChunk, type ChunkRef } from '../../core/keys';
import { readSignedQuery, verifyChunkLink } from '../../core/signing';
import type { DiskCache } from './disk-cache';
import { ForbiddenError, NotFoundError, RangeNotSatisfiableError } from './errors';
import { contentDisposition, isNotModified, parseRange, rangeStillApplies, type ByteRange } from './http-ranges';
import type { ManifestStore } from './manifests';

/** `GET|HEAD /audiobooks/<book>/<file>?expires=..&signature=..`: authorise, then serve through the cache. */
export interface DownloadDeps {
  signingKeys: readonly string[];
  listing: Listing;
  manifests: ManifestStore;
  cache: DiskCache;
  now?: () => number;
  handOff?: HandOff;
}

/**
 * Hits handed to the web server in front: nginx's X-Accel-Redirect (an internal URI under a
 * prefix) or Apache's X-Sendfile (the file's path). Node still authorises, answers 304/416/HEAD
 * and serves misses; the front server sends the file and applies Range itself.
 */
export interface HandOff {
  header: 'X-Accel-Redirect' | 'X-Sendfile';
  /** The header's value for a cached file, given its path relative to the cache's chunks folder. */
  target(relativePath: string, absolutePath: string): string;
}

export function nginxHandOff(prefix: string): HandOff {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return { header: 'X-Accel-Redirect', target: (rel) => base + rel.split(path.sep).map(encodeURIComponent).join('/') };
}

export const apacheHandOff: HandOff = { header: 'X-Sendfile', target: (_rel, abs) => abs };

/** The web server's local listing: which chunks it may serve. */
export interface Listing {
  has(ref: ChunkRef): Promise<boolean>;
}

export function directoryListing(dir: string): Listing {
  return {
    has: (ref) =>
      access(path.join(dir, ref.book, ref.file)).then(
        () => true,
        () => false,
      ),
  };
}

/** What the access log learns about a download. */
export interface DownloadNote {
  book?: string;
  file?: string;
  customer?: string;
  cache?: 'hit' | 'miss' | 'origin';
  onBytes(n: number): void;
}

const ROUTE = /^\/audiobooks\/([^/]*)\/([^/]*)$/;

/**
 * The chunk a raw request path names, decoded exactly once and checked against the key scheme
 * before anything touches the disk or S3: `..`, encoded slashes, backslashes and NUL fail here
 * (400), and so does any other path under /audiobooks/ that is not `<book>/<file>`; a path
 * elsewhere is not ours (undefined: 404).
 */
export function parseDownloadPath(rawPath: string): ChunkRef | undefined {
  const m = ROUTE.exec(rawPath);
  if (!m && rawPath.startsWith('/audiobooks/')) throw new ValidationError('not a chunk path: /audiobooks/<book>/<file>');
  if (!m) return undefined;
  let ref: ChunkRef;
  try {
    ref = { book: decodeURIComponent(m[1]!), file: decodeURIComponent(m[2]!) };
  } catch {
    throw new ValidationError('malformed percent-encoding');
  }
  return assertChunk(ref);
}

export async function serveDownload(
  deps: DownloadDeps,
  ref: ChunkRef,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
  note: DownloadNote,
): Promise<void> {
  const fields = readSignedQuery(query);
  note.customer = fields.customer;
  const verdict = verifyChunkLink(deps.signingKeys, ref, fields, Math.floor((deps.now ?? Date.now)() / 1000));
  if (verdict !== 'valid') throw new ForbiddenError(`signature ${verdict}`);
  if (!(await deps.listing.has(ref))) throw new NotFoundError(`not in the listing: ${ref.book}/${ref.file}`);

  const chunk = await deps.manifests.chunk(ref);
  const validators = { etag: `"${chunk.etag}"`, lastModified: new Date(chunk.lastModified) };
  res.setHeader('ETag', validators.etag);
  res.setHeader('Last-Modified', validators.lastModified.toUTCString());
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', 'private, no-transform');
  if (isNotModified(req.headers, validators)) {
    res.writeHead(304).end();
    return;
  }

  const asked = rangeStillApplies(req.headers, validators) ? parseRange(req.headers.range, chunk.size) : { kind: 'whole' as const };
  if (asked.kind === 'unsatisfiable') throw new RangeNotSatisfiableError(chunk.size);
  const range: ByteRange = asked.kind === 'partial' ? asked.range : { start: 0, end: chunk.size - 1 };
  res.setHeader('Content-Type', 'audio/mpeg');
  res.setHeader('Content-Disposition', contentDisposition(ref.file));
  res.setHeader('Content-Length', String(range.end - range.start + 1));
  if (asked.kind === 'partial') res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${chunk.size}`);
  const status = asked.kind === 'partial' ? 206 : 200;
  if (req.method === 'HEAD') {
    res.writeHead(status).end();
    return;
  }

  // If-Range was decided here; the front server would judge it against its own validators, so Node keeps those.
  if (deps.handOff && req.headers['if-range'] === undefined) {
    const file = await deps.cache.claimHit(ref, chunk);
    if (file) {
      note.cache = 'hit';
      res.removeHeader('Content-Length');
      res.removeHeader('Content-Range');
      res.setHeader(deps.handOff.header, deps.handOff.target(path.relative(deps.cache.chunksDir, file), file));
      res.writeHead(200).end();
      return;
    }
  }

  const reader = await deps.cache.open(ref, chunk, range);
  note.cache = reader.source;
  res.writeHead(status);
  await reader.pipeTo(res, note.onBytes);
}
