import { createHmac, timingSafeEqual } from 'node:crypto';
import { assertChunk, type ChunkRef } from './keys';

/**
 * Signed download links. The signature is HMAC-SHA256, keyed with SHELFSTACK_SIGNING_KEY, over
 *
 *     /audiobooks/<book>/<file>\n<expires>\n<customer>
 *
 * where the path is the *decoded* one (so any percent-encoding of the same path verifies), expires
 * is Unix seconds and customer is the optional customer id ('' when none), encoded base64url
 * without padding. The query carries `expires`, `customer` (when set) and `signature`.
 */
export interface SignedLink {
  expires: number;
  customer?: string;
  signature: string;
}

export type Verdict = 'valid' | 'missing' | 'malformed' | 'expired' | 'mismatch';

export function chunkPath(ref: ChunkRef): string {
  return `/audiobooks/${ref.book}/${ref.file}`;
}

export function signChunk(key: string, ref: ChunkRef, expires: number, customer?: string): string {
  return createHmac('sha256', key)
    .update(`${chunkPath(assertChunk(ref))}\n${expires}\n${customer ?? ''}`, 'utf8')
    .digest('base64url');
}

/** The path and query of a link valid until `expires` (Unix seconds). */
export function signedPath(key: string, ref: ChunkRef, expires: number, customer?: string): string {
  const query = new URLSearchParams({ expires: String(expires) });
  if (customer) query.set('customer', customer);
  query.set('signature', signChunk(key, ref, expires, customer));
  return `/audiobooks/${encodeURIComponent(ref.book)}/${encodeURIComponent(ref.file)}?${query.toString()}`;
}

/** The signing fields of a query string; undefined fields were absent. */
export function readSignedQuery(query: URLSearchParams): Partial<Record<keyof SignedLink, string>> {
  return {
    expires: query.get('expires') ?? undefined,
    customer: query.get('customer') ?? undefined,
    signature: query.get('signature') ?? undefined,
  };
}

/**
 * Checks a link against the current key and, while rotating, the previous one. Every key is
 * compared in constant time, so the answer's timing tells nothing about which bytes matched.
 */
export function verifyChunkLink(
  keys: readonly string[],
  ref: ChunkRef,
  fields: Partial<Record<keyof SignedLink, string>>,
  nowSeconds: number,
): Verdict {
  if (fields.signature === undefined || fields.expires === undefined) return 'missing';
  if (!/^\d{1,12}$/.test(fields.expires) || !/^[A-Za-z0-9_-]{43}$/.test(fields.signature)) return 'malformed';
  const given = Buffer.from(fields.signature, 'base64url');
  let matched = false;
  for (const key of keys) {
    const expected = Buffer.from(signChunk(key, ref, Number(fields.expires), fields.customer), 'base64url');
    // No early exit: each key costs the same whether or not an earlier one matched.
    matched = (expected.length === given.length && timingSafeEqual(expected, given)) || matched;
  }
  if (!matched) return 'mismatch';
  return Number(fields.expires) < nowSeconds ? 'expired' : 'valid';
}
