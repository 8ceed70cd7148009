import { ConfigError, ValidationError } from '../../../core/errors';

/** A web server whose /metrics the dashboard reads. */
export interface MetricsSource {
  name: string;
  url: string;
}

export interface WebCacheMetrics {
  hits: number;
  misses: number;
  /** hits / (hits + misses), undefined before the first chunk request. */
  hitRatio?: number;
  bytesServed: number;
}

export const METRICS_VARIABLE = 'SHELFSTACK_DASHBOARD_METRICS';

/**
 * SHELFSTACK_DASHBOARD_METRICS: the web servers to read, comma-separated, each `URL` or
 * `NAME=URL` (the server's base URL; /metrics is appended). Unset, the dashboard reads none:
 * on AWS the instances' private addresses are not reachable from the operator's machine, so
 * where metrics come from is the operator's choice, never derived from what EC2 answers.
 */
export function parseMetricsSources(raw: string | undefined): MetricsSource[] {
  if (!raw?.trim()) return [];
  return raw.split(',').map((part, n) => {
    const item = part.trim();
    const eq = item.indexOf('=');
    const named = eq > 0 && !item.slice(0, eq).includes('/');
    const name = named ? item.slice(0, eq) : `web${n + 1}`;
    const base = named ? item.slice(eq + 1) : item;
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw new ConfigError(METRICS_VARIABLE, `has an entry that is not a URL: ${base}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(METRICS_VARIABLE, `has an entry that is not an http(s) URL: ${base}`);
    const path = url.pathname.replace(/\/+$/, '');
    url.pathname = path.endsWith('/metrics') ? path : `${path}/metrics`;
    return { name, url: url.toString() };
  });
}

/** The sum over all label sets of one counter in Prometheus text exposition format. */
function counter(text: string, name: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(rest.slice(rest[0] === '{' ? rest.lastIndexOf('}') + 1 : 0).trim().split(/\s+/)[0]);
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

export function parseWebMetrics(text: string): WebCacheMetrics {
  const hits = counter(text, 'shelfstack_cache_hits_total');
  const misses = counter(text, 'shelfstack_cache_misses_total');
  const bytesServed = counter(text, 'shelfstack_web_bytes_served_total');
  if (hits === undefined || misses === undefined || bytesServed === undefined) throw new ValidationError('not a shelfstack web server: its /metrics has no shelfstack_cache_hits_total, shelfstack_cache_misses_total or shelfstack_web_bytes_served_total');
  return { hits, misses, hitRatio: hits + misses ? hits / (hits + misses) : undefined, bytesServed };
}

export async function readWebMetrics(source: MetricsSource, timeoutMs: number): Promise<WebCacheMetrics> {
  const res = await fetch(source.url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!res.ok) throw new ValidationError(`${source.url} answered ${res.status}`);
  return parseWebMetrics(await res.text());
}
