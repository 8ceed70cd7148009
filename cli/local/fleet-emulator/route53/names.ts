import type { RecordRec } from '../state';

/** Route 53 compares names lower-case with a trailing dot, and sorts them by reversed labels. */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** ListResourceRecordSets' order: by name with its labels reversed (com.example.www), then type. */
export function sortKey(name: string): string {
  return name.replace(/\.$/, '').split('.').reverse().join('.');
}

export function compareRecords(a: Pick<RecordRec, 'name' | 'type' | 'setIdentifier'>, b: Pick<RecordRec, 'name' | 'type' | 'setIdentifier'>): number {
  const ka = sortKey(a.name);
  const kb = sortKey(b.name);
  if (ka !== kb) return ka < kb ? -1 : 1;
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  const ia = a.setIdentifier ?? '';
  const ib = b.setIdentifier ?? '';
  return ia === ib ? 0 : ia < ib ? -1 : 1;
}

export function sameRecordSet(a: RecordRec, b: Pick<RecordRec, 'name' | 'type' | 'setIdentifier'>): boolean {
  return a.name === b.name && a.type === b.type && (a.setIdentifier ?? '') === (b.setIdentifier ?? '');
}
