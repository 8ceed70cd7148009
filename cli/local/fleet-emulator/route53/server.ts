import { randomUUID } from 'node:crypto';
import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import type { Route } from '../http';
import { document, escapeXml } from '../xml';
import { changeInfo, changeResourceRecordSets, listResourceRecordSets } from './records';
import { parseBody } from './xml-input';
import { createHostedZone, getHostedZone, listHostedZones } from './zones';

/** Route 53's REST XML protocol under /2013-04-01/. */
export const ROUTE53_NAMESPACE = 'https://route53.amazonaws.com/doc/2013-04-01/';
const PREFIX = '/2013-04-01';

type Answer = { root: string; body: Record<string, unknown>; status?: number; headers?: Record<string, string> };

function dispatch(ctx: FleetContext, method: string, path: string, params: URLSearchParams, body: string): Answer {
  const rrset = path.match(/^\/hostedzone\/([^/]+)\/rrset\/?$/);
  if (rrset && method === 'POST') return { root: 'ChangeResourceRecordSetsResponse', body: changeResourceRecordSets(ctx, decodeURIComponent(rrset[1]!), parseBody(body)) };
  if (rrset && method === 'GET') return { root: 'ListResourceRecordSetsResponse', body: listResourceRecordSets(ctx, decodeURIComponent(rrset[1]!), params) };
  const zone = path.match(/^\/hostedzone\/([^/]+)$/);
  if (zone && method === 'GET') return { root: 'GetHostedZoneResponse', body: getHostedZone(ctx, decodeURIComponent(zone[1]!)) };
  if (/^\/hostedzone\/?$/.test(path) && method === 'GET') return { root: 'ListHostedZonesResponse', body: listHostedZones(ctx, params) };
  if (/^\/hostedzone\/?$/.test(path) && method === 'POST') {
    const out = createHostedZone(ctx, parseBody(body));
    return { root: 'CreateHostedZoneResponse', body: out.body, status: 201, headers: { location: out.location } };
  }
  const change = path.match(/^\/change\/([^/]+)$/);
  if (change && method === 'GET') return { root: 'GetChangeResponse', body: { ChangeInfo: changeInfo(ctx, decodeURIComponent(change[1]!).replace(/^\/?change\//, '')) } };
  throw new ApiError('InvalidInput', `No such operation: ${method} ${PREFIX}${path}`);
}

function errorBody(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${ROUTE53_NAMESPACE}"><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

export function route53Route(ctx: FleetContext, log: (line: Record<string, unknown>) => void): Route {
  return (req, body) => {
    const requestId = randomUUID();
    // A request line Node accepted always makes a URL against a base.
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const headers = { 'x-amzn-requestid': requestId };
    try {
      if (!url.pathname.startsWith(`${PREFIX}/`)) throw new ApiError('InvalidInput', `Unknown API version in ${url.pathname}`);
      const out = dispatch(ctx, method, url.pathname.slice(PREFIX.length), url.searchParams, body);
      log({ event: 'route53_request', method, path: url.pathname, status: out.status ?? 200 });
      return { status: out.status ?? 200, body: document(out.root, ROUTE53_NAMESPACE, out.body), headers: { ...headers, ...out.headers } };
    } catch (e: unknown) {
      if (e instanceof ApiError) {
        log({ event: 'route53_request', method, path: url.pathname, status: e.status, code: e.code });
        return { status: e.status, body: errorBody(e.code, e.message, requestId), headers };
      }
      log({ event: 'route53_internal_error', method, path: url.pathname, reason: e instanceof Error ? e.stack : String(e) });
      return { status: 500, body: errorBody('InternalFailure', 'An internal error has occurred', requestId).replace('<Type>Sender</Type>', '<Type>Receiver</Type>'), headers };
    }
  };
}
