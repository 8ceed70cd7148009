const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML: every value shown (tags, names, error messages from AWS) goes through here. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A value as a table cell, `-` when absent; `cls` only from this file's own names. */
export function cell(value: unknown, cls?: string): string {
  const text = value === undefined || value === null || value === '' ? '-' : value;
  return `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(text)}</td>`;
}

export function table(id: string, head: string[], rows: string[][]): string {
  if (!rows.length) return `<p class="empty" id="${id}-empty">none</p>`;
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
}

export function failure(error: string): string {
  return `<p class="error">${escapeHtml(error)}</p>`;
}

/** healthy → ok, starting → wait, anything else a holder can be (impaired, lost, not in cluster) → bad. */
export function healthClass(health: string): string | undefined {
  if (health === 'healthy') return 'ok';
  if (health === 'starting') return 'wait';
  if (health === '-') return undefined;
  return 'bad';
}

export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}
