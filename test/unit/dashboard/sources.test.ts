import { ConfigError } from '../../../core/errors';
import { parseMetricsSources, parseWebMetrics } from '../../../cli/ops/dashboard/metrics';
import { queueKind } from '../../../cli/ops/dashboard/queues';

describe('the dashboard\'s sources', () => {
  it('SHELFSTACK_DASHBOARD_METRICS lists base URLs, named or not; /metrics is appended once', () => {
    expect(parseMetricsSources(undefined)).toEqual([]);
    expect(parseMetricsSources(' ')).toEqual([]);
    expect(parseMetricsSources('www1=http://127.0.0.1:8080, http://127.0.0.1:8081/metrics,www3=http://127.0.0.1:8082/')).toEqual([
      { name: 'www1', url: 'http://127.0.0.1:8080/metrics' },
      { name: 'web2', url: 'http://127.0.0.1:8081/metrics' },
      { name: 'www3', url: 'http://127.0.0.1:8082/metrics' },
    ]);
  });

  it('a malformed entry stops the start naming the variable', () => {
    expect(() => parseMetricsSources('www1=127.0.0.1:8080')).toThrow(ConfigError);
    expect(() => parseMetricsSources('nope')).toThrow('SHELFSTACK_DASHBOARD_METRICS has an entry that is not a URL: nope');
    expect(() => parseMetricsSources('file:///etc/passwd')).toThrow('not an http(s) URL');
  });

  it('reads the three counters from Prometheus text, summing label sets', () => {
    const text = [
      '# HELP shelfstack_cache_hits_total Chunk requests served from the disk cache',
      '# TYPE shelfstack_cache_hits_total counter',
      'shelfstack_cache_hits_total 30',
      'shelfstack_cache_hits_total_other 999',
      'shelfstack_cache_misses_total{shard="a"} 5',
      'shelfstack_cache_misses_total{shard="b",note="x} y"} 5 1700000000000',
      'shelfstack_web_bytes_served_total 1.5e+9',
    ].join('\n');
    expect(parseWebMetrics(text)).toEqual({ hits: 30, misses: 10, hitRatio: 0.75, bytesServed: 1.5e9 });
    expect(parseWebMetrics('shelfstack_cache_hits_total 0\nshelfstack_cache_misses_total 0\nshelfstack_web_bytes_served_total 0\n').hitRatio).toBeUndefined();
    expect(() => parseWebMetrics('process_cpu_seconds_total 1\n')).toThrow('not a shelfstack web server');
  });

  it('knows the cluster\'s queues by name and no other cluster\'s', () => {
    expect(queueKind('main', 'shelfstack-main-uploads')).toBe('work');
    expect(queueKind('main', 'shelfstack-main-uploads-dlq')).toBe('dead-letter');
    expect(queueKind('main', 'shelfstack-main-fleet-failures')).toBe('dead-letter');
    expect(queueKind('main', 'shelfstack-main-signal-i-0abc')).toBe('signal');
    expect(queueKind('main', 'shelfstack-main-x-uploads')).toBeUndefined();
    expect(queueKind('main', 'shelfstack-mainx-uploads')).toBeUndefined();
  });
});
