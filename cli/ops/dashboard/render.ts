import type { StatusModel } from '../fleet-format';
import { bytes, cell, escapeHtml, failure, healthClass, table } from './html';
import type { DashboardStatus } from './observe';

function instances(m: StatusModel): string {
  const rows = m.instances.map((i) => [cell(i.slot), cell(i.roles.join(',')), cell(i.id), cell(i.state), cell(i.health, healthClass(i.health)), cell(i.privateIp), cell(i.publicIp), cell(i.flags)]);
  return table('instances', ['slot', 'roles', 'instance', 'state', 'health', 'private', 'public', 'flags'], rows);
}

function record(m: StatusModel): string {
  const cur = m.dns.current;
  const current = cur ? `${cur.values.join(', ') || '(empty)'} (TTL ${cur.ttl})` : '(no record)';
  const desired = `${m.dns.desired.join(', ') || '(no healthy web server: record kept)'} (TTL ${m.dns.ttl})`;
  const state = m.dns.differs ? '<span class="wait">differs: dns will update it</span>' : '<span class="ok">in sync</span>';
  return `<dl id="record"><dt>name</dt><dd>${escapeHtml(m.record)} A</dd><dt>current</dt><dd id="record-current">${escapeHtml(current)}</dd><dt>desired</dt><dd id="record-desired">${escapeHtml(desired)}</dd><dt>state</dt><dd>${state}</dd></dl>`;
}

function addresses(m: StatusModel): string {
  const rows = m.addresses.map((a) => [cell(a.slot), cell(a.publicIp), cell(a.allocationId), cell(a.holder ?? '(unattached)', a.holder ? undefined : 'bad'), cell(a.holderHealth, healthClass(a.holderHealth))]);
  return table('addresses', ['slot', 'address', 'allocation', 'holder', 'holder health'], rows);
}

function volumes(m: StatusModel): string {
  const rows = m.volumes.map((v) => [cell(v.slot), cell(v.id), cell(v.state), cell(v.availabilityZone), cell(v.instanceId ?? '(unattached)'), cell(v.device), cell(v.attachment), cell(v.holderHealth, healthClass(v.holderHealth))]);
  const waiting = m.dbWaiting.map((w) => `<p class="wait">${escapeHtml(w)}</p>`).join('');
  return table('volumes', ['slot', 'volume', 'state', 'AZ', 'attached to', 'device', 'attachment', 'holder health'], rows) + waiting;
}

function files(m: StatusModel): string {
  const hosts = m.hosts.written ? `written ${m.hosts.age}, ${m.hosts.upToDate ? 'up to date' : 'out of date'}` : 'missing';
  const listing = `${m.listing.manifests} manifests, newest written ${m.listing.age}`;
  return `<dl id="files"><dt>hosts file</dt><dd id="hosts" class="${m.hosts.written && m.hosts.upToDate ? 'ok' : 'wait'}">${escapeHtml(hosts)}</dd><dt>listing</dt><dd id="listing">${escapeHtml(listing)}</dd></dl>`;
}

function web(s: DashboardStatus): string {
  if (!s.web.length) return '<p class="empty" id="web-empty">not configured: set SHELFSTACK_DASHBOARD_METRICS to the web servers\' URLs</p>';
  const rows = s.web.map((w) =>
    w.ok
      ? [cell(w.name), cell(w.url), cell(w.value.hitRatio === undefined ? 'no requests yet' : `${(w.value.hitRatio * 100).toFixed(1)}%`), cell(`${w.value.hits} / ${w.value.misses}`), cell(bytes(w.value.bytesServed))]
      : [cell(w.name), cell(w.url), `<td colspan="3" class="bad">${escapeHtml(w.error)}</td>`],
  );
  return table('web', ['server', 'metrics', 'cache hit ratio', 'hits / misses', 'bytes served'], rows);
}

function queues(s: DashboardStatus): string {
  if (!s.queues.ok) return failure(s.queues.error);
  const rows = s.queues.value.map((q) => [cell(q.name), cell(q.kind), cell(q.visible, q.kind === 'dead-letter' && q.visible > 0 ? 'bad' : undefined), cell(q.inFlight)]);
  return table('queues', ['queue', 'kind', 'messages', 'in flight'], rows);
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}-section"><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

/** The page's live part: re-rendered here for each refresh, so the browser only swaps it in. */
export function renderStatus(s: DashboardStatus): string {
  const f = s.fleet;
  const fleet = (title: string, id: string, body: (m: StatusModel) => string, count?: (m: StatusModel) => number) =>
    section(id, f.ok && count ? `${title} (${count(f.value)})` : title, f.ok ? body(f.value) : failure(f.error));
  return [
    `<p class="at">cluster <b>${escapeHtml(s.cluster)}</b> at <time id="at" datetime="${escapeHtml(s.at)}">${escapeHtml(s.at)}</time></p>`,
    fleet('instances', 'instances', instances, (m) => m.instances.length),
    fleet('record', 'record', record),
    fleet('elastic IPs', 'addresses', addresses, (m) => m.addresses.length),
    fleet('db volume', 'volumes', volumes, (m) => new Set(m.volumes.map((v) => v.id)).size),
    fleet('hosts file and listing', 'files', files),
    section('web', 'web servers', web(s)),
    section('queues', 'queues', queues(s)),
  ].join('\n');
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.3em;margin:0 0 .2em}h2{font-size:1.05em;margin:1.2em 0 .4em}
table{border-collapse:collapse;background:#fff}th,td{padding:.25em .7em;border:1px solid #ddd;text-align:left;font-family:ui-monospace,monospace;font-size:13px}
th{background:#f0f0f0;font-family:system-ui,sans-serif}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;margin:0}
dt{color:#666}dd{margin:0;font-family:ui-monospace,monospace}.ok{color:#17703a}.wait{color:#9a6200}.bad{color:#b3261e;font-weight:600}
.error{color:#b3261e;background:#fdecea;padding:.4em .7em;display:inline-block}.empty,.at,#refresh{color:#666}#refresh.bad{color:#b3261e}`;

/** The whole page, rendered on the server; /dashboard.js refreshes its live part every `refreshMs`. */
export function renderPage(s: DashboardStatus, refreshMs: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>shelfstack: ${escapeHtml(s.cluster)}</title><style>${STYLE}</style></head>
<body><h1>shelfstack fleet</h1><p id="refresh">refreshing every ${Math.round(refreshMs / 1000)}s</p>
<main id="status">${renderStatus(s)}</main>
<script src="/dashboard.js" data-refresh-ms="${refreshMs}"></script></body></html>
`;
}

/** Fetches /status.json every `refreshMs` (re-armed after each answer, so a slow fleet never piles up requests) and swaps the live part in. */
export const SCRIPT = `(() => {
  const ms = Number(document.currentScript.dataset.refreshMs) || 3000;
  const main = document.getElementById('status');
  const note = document.getElementById('refresh');
  async function tick() {
    try {
      const res = await fetch('/status.json', { cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const body = await res.json();
      main.innerHTML = body.html;
      note.textContent = 'updated ' + new Date().toLocaleTimeString() + ', every ' + Math.round(ms / 1000) + 's';
      note.className = '';
    } catch (e) {
      note.textContent = 'refresh failed: ' + (e && e.message);
      note.className = 'bad';
    } finally {
      setTimeout(tick, ms);
    }
  }
  setTimeout(tick, ms);
})();
`;
