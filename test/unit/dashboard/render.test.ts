import { escapeHtml } from '../../../cli/ops/dashboard/html';
import { renderPage, renderStatus } from '../../../cli/ops/dashboard/render';
import { failoverModel, failoverStatus } from './fixture';

/** The text of the table with this id, one string per row (cells joined by |), tags stripped. */
function rows(html: string, id: string): string[] {
  const t = html.match(new RegExp(`<table id="${id}">(.*?)</table>`, 's'));
  if (!t) throw new Error(`no table ${id}`);
  return [...t[1]!.matchAll(/<tr>(.*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((c) => c[1]).join('|'));
}

describe('dashboard HTML from a status model', () => {
  it('shows instances by slot with health, EIP holders, the db volume, and the record current against desired', () => {
    const html = renderStatus(failoverStatus());
    expect(rows(html, 'instances')).toEqual([
      'slot|roles|instance|state|health|private|public|flags',
      'www1|web|i-0a1b2c3d4e5f60001|running|healthy|10.0.2.11|198.51.100.1|-',
      'www2|web|i-0a1b2c3d4e5f60009|pending|starting|10.0.2.19|-|-',
      '-|db|i-0a1b2c3d4e5f60010|running|healthy|10.0.1.10|-|-',
    ]);
    expect(html).toContain('<h2>instances (3)</h2>');
    expect(html).toContain('<td class="wait">starting</td>');
    expect(rows(html, 'addresses').slice(1)).toEqual(['www1|198.51.100.1|eipalloc-01|i-0a1b2c3d4e5f60001|healthy', 'www2|198.51.100.2|eipalloc-02|(unattached)|-']);
    expect(rows(html, 'volumes').slice(1)).toEqual(['db|vol-0db|in-use|us-east-1a|i-0a1b2c3d4e5f60010|/dev/sdf|attached|healthy']);
    expect(html).toContain('<dd id="record-current">198.51.100.1, 198.51.100.2 (TTL 300)</dd>');
    expect(html).toContain('<dd id="record-desired">198.51.100.1 (TTL 300)</dd>');
    expect(html).toContain('differs: dns will update it');
    expect(html).toContain('<dd id="hosts" class="wait">written 3m ago, out of date</dd>');
    expect(html).toContain('<dd id="listing">4000 manifests, newest written 30s ago</dd>');
  });

  it('shows each web server\'s hit ratio and bytes served, and the one that failed with its reason', () => {
    const html = renderStatus(failoverStatus());
    expect(rows(html, 'web').slice(1)).toEqual([
      'www1|http://127.0.0.1:8080/metrics|90.0%|900 / 100|1.23 GB',
      'www2|http://127.0.0.1:8081/metrics|TimeoutError: The operation was aborted due to timeout',
    ]);
  });

  it('shows every queue depth and marks a dead-letter queue that holds messages', () => {
    const html = renderStatus(failoverStatus());
    expect(rows(html, 'queues').slice(1)).toEqual([
      'shelfstack-main-uploads|work|12|3',
      'shelfstack-main-uploads-dlq|dead-letter|1|0',
      'shelfstack-main-fleet-failures|dead-letter|0|0',
      'shelfstack-main-signal-i-0a1b2c3d4e5f60001|signal|0|0',
    ]);
    expect(html).toContain('<td class="bad">1</td>');
  });

  it('a failed source shows its error in its sections; the others still render', () => {
    const html = renderStatus(failoverStatus({ fleet: { ok: false, error: 'UnauthorizedOperation: You are not authorized' }, queues: { ok: false, error: 'QueueDoesNotExist: gone' } }));
    expect(html.match(/<p class="error">UnauthorizedOperation: You are not authorized<\/p>/g)).toHaveLength(5);
    expect(html).toContain('<p class="error">QueueDoesNotExist: gone</p>');
    expect(rows(html, 'web')).toHaveLength(3);
  });

  it('escapes every value, tags and error messages included', () => {
    const m = failoverModel();
    m.instances[0]!.slot = '<img src=x onerror=alert(1)>';
    m.record = 'a"b\'c&d';
    const html = renderPage(failoverStatus({ cluster: '<b>x</b>', fleet: { ok: true, value: m }, queues: { ok: false, error: '<script>alert(2)</script>' } }), 3000);
    expect(html).not.toMatch(/<img|<script>alert|<b>x<\/b>/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('a&quot;b&#39;c&amp;d A');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('an empty fleet says so, and unset metrics say how to set them', () => {
    const m = { ...failoverModel(), instances: [], addresses: [], volumes: [], dns: { desired: [], ttl: 300, differs: false }, hosts: { written: false, age: 'never', upToDate: false } };
    const html = renderStatus(failoverStatus({ fleet: { ok: true, value: m }, web: [] }));
    expect(html).toContain('<p class="empty" id="instances-empty">none</p>');
    expect(html).toContain('<dd id="record-current">(no record)</dd>');
    expect(html).toContain('(no healthy web server: record kept)');
    expect(html).toContain('<dd id="hosts" class="wait">missing</dd>');
    expect(html).toContain('not configured: set SHELFSTACK_DASHBOARD_METRICS');
  });

  it('the page loads its refresh script from itself with the interval', () => {
    const html = renderPage(failoverStatus(), 5000);
    expect(html).toContain('<script src="/dashboard.js" data-refresh-ms="5000"></script>');
    expect(html).toContain('<main id="status">');
  });
});
