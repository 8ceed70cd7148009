import { ValidationError } from '../../core/errors';

/**
 * The download tier's failures, and the one place that turns any of them into an HTTP status.
 * Anything not named here is a 500 with a generic body.
 */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export class RangeNotSatisfiableError extends Error {
  override name = 'RangeNotSatisfiableError';
  constructor(readonly size: number) {
    super(`range not satisfiable for ${size} bytes`);
  }
}

/** S3 failed, timed out or answered with something other than the manifest's chunk; nothing is cached. */
export class OriginError extends Error {
  override name = 'OriginError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The book's manifest in S3 is unreadable as one (truncated, another book's, not a manifest): our fault, not the link's. */
export class ManifestError extends OriginError {
  override name = 'ManifestError';
  constructor(
    readonly book: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, false, options);
  }
}

/** The cache's disk refused a write (ENOSPC, EDQUOT, EROFS, ...): serve without caching. */
export class CacheDiskError extends Error {
  override name = 'CacheDiskError';
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

// Seconds a client should wait before retrying after origin trouble.
const RETRY_AFTER_SECONDS = '5';

export function errorResponse(e: unknown): ErrorResponse {
  if (e instanceof ValidationError) return { status: 400, headers: {}, body: 'bad request\n' };
  if (e instanceof ForbiddenError) return { status: 403, headers: {}, body: 'forbidden\n' };
  if (e instanceof NotFoundError) return { status: 404, headers: {}, body: 'not found\n' };
  if (e instanceof RangeNotSatisfiableError) {
    return { status: 416, headers: { 'Content-Range': `bytes */${e.size}` }, body: 'range not satisfiable\n' };
  }
  if (e instanceof OriginError) {
    return {
      status: e.retryable ? 503 : 502,
      headers: { 'Retry-After': RETRY_AFTER_SECONDS },
      body: e.retryable ? 'storage unavailable, retry shortly\n' : 'bad answer from storage\n',
    };
  }
  return { status: 500, headers: {}, body: 'internal error\n' };
}

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG', 'EIO', 'EACCES', 'EPERM']);

/** True for the disk errors after which a fill should give up caching but keep serving. */
export function isDiskRefusal(e: unknown): boolean {
  return DISK_FULL_CODES.has((e as NodeJS.ErrnoException)?.code ?? '');
}
