import type { IncomingHttpHeaders } from 'node:http';

/**
 * The parts of HTTP that download managers rely on (RFC 9110): single byte ranges, If-Range,
 * conditional GETs, and Content-Disposition (RFC 6266). Pure functions over headers.
 */
export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** What a Range header asks of a representation of `size` bytes. */
export type RangeRequest = { kind: 'whole' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  // A multi-range or unparsable header may be ignored (RFC 9110 14.2): the whole body is always correct.
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'whole' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end } };
}

export interface Validators {
  /** Quoted strong ETag, e.g. `"abc"`. */
  etag: string;
  lastModified: Date;
}

function etagListMatches(list: string, etag: string, weak: boolean): boolean {
  if (list.trim() === '*') return true;
  const bare = (t: string) => (weak ? t.trim().replace(/^W\//, '') : t.trim());
  return list.split(',').some((t) => bare(t) === etag);
}

function notModifiedSince(header: string, lastModified: Date): boolean {
  const since = Date.parse(header);
  // HTTP dates have whole seconds.
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
}

/** True when a GET or HEAD should answer 304 Not Modified. If-None-Match wins over If-Modified-Since. */
export function isNotModified(headers: IncomingHttpHeaders, v: Validators): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) return etagListMatches(inm, v.etag, true);
  const ims = headers['if-modified-since'];
  return ims !== undefined && notModifiedSince(ims, v.lastModified);
}

/** If-Range: honour Range only when the client's copy is still this representation (strong comparison). */
export function rangeStillApplies(headers: IncomingHttpHeaders, v: Validators): boolean {
  const raw = headers['if-range'];
  const ifRange = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (ifRange === undefined) return true;
  if (ifRange.startsWith('"')) return ifRange === v.etag;
  const date = Date.parse(ifRange);
  return !Number.isNaN(date) && Math.floor(v.lastModified.getTime() / 1000) === Math.floor(date / 1000);
}

/** `attachment; filename="..."` with an ASCII fallback, plus `filename*` (RFC 6266/8187) for other names. */
export function contentDisposition(file: string): string {
  const ascii = file.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  if (ascii === file) return `attachment; filename="${file}"`;
  const encoded = encodeURIComponent(file).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
