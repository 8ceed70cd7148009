import { ValidationError } from './errors';

/** The S3 key scheme of one cluster's bucket (ARCHITECTURE.md, "S3 layout"). */
export const CHUNK_PREFIX = 'audiobooks/';
export const MANIFEST_PREFIX = 'listing/';
export const MANIFEST_SUFFIX = '.json';
export const HOSTS_KEY = 'cluster/hosts';

export interface ChunkRef {
  book: string;
  file: string;
}

// A product code: letters, digits, dot, dash and underscore; it becomes a folder name on every web server.
const BOOK_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
// Control characters (NUL included), slashes and backslashes can never be part of a chunk's file name.
const FORBIDDEN_IN_FILE = /[\u0000-\u001f\u007f/\\]/;
const MAX_FILE_BYTES = 255;

export function isValidBook(book: string): boolean {
  return BOOK_PATTERN.test(book);
}

export function assertBook(book: string): string {
  if (!isValidBook(book)) throw new ValidationError(`not a book code: ${JSON.stringify(book)}`);
  return book;
}

export function isValidFile(file: string): boolean {
  return (
    file.length > 0 &&
    file !== '.' &&
    file !== '..' &&
    !FORBIDDEN_IN_FILE.test(file) &&
    Buffer.byteLength(file, 'utf8') <= MAX_FILE_BYTES
  );
}

export function assertChunk(ref: ChunkRef): ChunkRef {
  assertBook(ref.book);
  if (!isValidFile(ref.file)) throw new ValidationError(`not a chunk file name: ${JSON.stringify(ref.file)}`);
  return ref;
}

/** `audiobooks/<book>/<file>` → its parts, or a ValidationError for anything that is not a chunk. */
export function parseChunkKey(key: string): ChunkRef {
  if (!key.startsWith(CHUNK_PREFIX)) throw new ValidationError(`not under ${CHUNK_PREFIX}: ${JSON.stringify(key)}`);
  const rest = key.slice(CHUNK_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash < 0) throw new ValidationError(`no book folder in key: ${JSON.stringify(key)}`);
  return assertChunk({ book: rest.slice(0, slash), file: rest.slice(slash + 1) });
}

export function tryParseChunkKey(key: string): ChunkRef | undefined {
  try {
    return parseChunkKey(key);
  } catch {
    return undefined;
  }
}

export function formatChunkKey(ref: ChunkRef): string {
  assertChunk(ref);
  return `${CHUNK_PREFIX}${ref.book}/${ref.file}`;
}

export function bookPrefix(book: string): string {
  return `${CHUNK_PREFIX}${assertBook(book)}/`;
}

export function formatManifestKey(book: string): string {
  return `${MANIFEST_PREFIX}${assertBook(book)}${MANIFEST_SUFFIX}`;
}

export function parseManifestKey(key: string): string {
  if (!key.startsWith(MANIFEST_PREFIX) || !key.endsWith(MANIFEST_SUFFIX)) {
    throw new ValidationError(`not a manifest key: ${JSON.stringify(key)}`);
  }
  return assertBook(key.slice(MANIFEST_PREFIX.length, -MANIFEST_SUFFIX.length));
}

/**
 * S3 event notifications carry keys URL-encoded as in an HTML form: `+` is a space and a real
 * plus arrives as `%2B`.
 */
export function decodeEventKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    throw new ValidationError(`malformed URL-encoded key: ${JSON.stringify(encoded)}`);
  }
}

/** The inverse of decodeEventKey, as real S3 writes keys into notifications. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}
