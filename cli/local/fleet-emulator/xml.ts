/**
 * A small XML writer for the emulator's answers. Plain objects become elements in key order;
 * arrays become EC2's `<item>` lists unless wrapped in `members()` (Route 53 names its members);
 * undefined and null are left out, as AWS leaves out what a resource does not have.
 */
export class Members {
  constructor(
    readonly name: string,
    readonly items: readonly unknown[],
  ) {}
}

export const members = (name: string, items: readonly unknown[]) => new Members(name, items);

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function scalar(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  return escapeXml(String(v));
}

export function element(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Members) return `<${name}>${value.items.map((i) => element(value.name, i)).join('')}</${name}>`;
  if (Array.isArray(value)) return `<${name}>${value.map((i) => element('item', i)).join('')}</${name}>`;
  if (typeof value === 'object' && !(value instanceof Date)) return `<${name}>${children(value as Record<string, unknown>)}</${name}>`;
  return `<${name}>${scalar(value)}</${name}>`;
}

export function children(obj: Record<string, unknown>): string {
  return Object.entries(obj)
    .map(([k, v]) => element(k, v))
    .join('');
}

export function document(root: string, namespace: string, body: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${namespace}">${children(body)}</${root}>`;
}
