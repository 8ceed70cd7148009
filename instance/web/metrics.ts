import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The web server's Prometheus metrics, on a registry of its own so that two servers in one process stay apart. */
export function createWebMetrics(opts: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'shelfstack_web_requests_total', help: 'HTTP responses by status', labelNames: ['status'], registers }),
    bytesServed: new Counter({ name: 'shelfstack_web_bytes_served_total', help: 'Body bytes sent to customers', registers }),
    cacheHits: new Counter({ name: 'shelfstack_cache_hits_total', help: 'Chunk requests served from the disk cache', registers }),
    cacheMisses: new Counter({ name: 'shelfstack_cache_misses_total', help: 'Chunk requests not in the disk cache', registers }),
    cacheFills: new Counter({
      name: 'shelfstack_cache_fills_total',
      help: 'Fills from S3 by result (cached, origin_failed, disk_refused, mismatch)',
      labelNames: ['result'],
      registers,
    }),
    fillSeconds: new Histogram({
      name: 'shelfstack_cache_fill_seconds',
      help: 'Time from the start of a fill to its end: one S3 GET streamed into the cache, however many customers wait on it',
      labelNames: ['result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    cacheEvictions: new Counter({ name: 'shelfstack_cache_evictions_total', help: 'Cached chunks removed by the sweeper or an invalidation', registers }),
    cacheBytes: new Gauge({ name: 'shelfstack_cache_bytes', help: 'Bytes of whole chunks in the cache', registers }),
    originLatency: new Histogram({
      name: 'shelfstack_origin_latency_seconds',
      help: 'Time from an S3 GET to its response headers',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

export type WebMetrics = ReturnType<typeof createWebMetrics>;
