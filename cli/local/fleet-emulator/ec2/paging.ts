import { ApiError } from '../errors';

/**
 * MaxResults/NextToken over a result list. The token is opaque to callers; it carries the call it
 * belongs to, so a token from another call is an InvalidParameterValue, as on AWS.
 */
export interface PageLimits {
  min: number;
  max: number;
}

export function paginate<T>(items: readonly T[], action: string, maxResults: number | undefined, nextToken: string | undefined, limits: PageLimits) {
  if (maxResults !== undefined && (maxResults < limits.min || maxResults > limits.max)) {
    throw new ApiError('InvalidParameterValue', `Value (${maxResults}) for parameter maxResults is invalid. Expecting a value between ${limits.min} and ${limits.max}.`);
  }
  let start = 0;
  if (nextToken) {
    let parsed: { a?: string; o?: number } | undefined;
    try {
      parsed = JSON.parse(Buffer.from(nextToken, 'base64url').toString('utf8')) as { a?: string; o?: number };
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.a !== action || typeof parsed.o !== 'number') throw new ApiError('InvalidParameterValue', `The token '${nextToken}' is invalid.`);
    start = parsed.o;
  }
  const size = maxResults ?? items.length;
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(JSON.stringify({ a: action, o: start + size })).toString('base64url') : undefined;
  return { page, nextToken: next };
}
