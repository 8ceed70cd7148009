import { ApiError } from '../errors';
import type { ChangeRec, RecordRec, ZoneRec } from '../state';
import { inZone, normalizeName, sameRecordSet } from './names';

/**
 * A ChangeResourceRecordSets batch, applied as Route 53 does: in order, on a copy of the zone, and
 * kept only when every change holds (else InvalidChangeBatch with one message per failure).
 * CREATE fails on an existing set, DELETE needs name, type, TTL and values exactly as they are,
 * UPSERT creates or replaces.
 */
export interface ChangeInput {
  action: string;
  record: RecordRec;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const label = (r: RecordRec) => `[name='${r.name}', type='${r.type}'${r.setIdentifier ? `, set-identifier='${r.setIdentifier}'` : ''}]`;

function sameContent(a: RecordRec, b: RecordRec): boolean {
  const values = (r: RecordRec) => [...r.values].sort().join('\n');
  return a.ttl === b.ttl && values(a) === values(b) && JSON.stringify(a.alias ?? null) === JSON.stringify(b.alias ?? null);
}

function validate(zone: ZoneRec, c: ChangeInput): string[] {
  const r = c.record;
  if (!['CREATE', 'DELETE', 'UPSERT'].includes(c.action)) throw new ApiError('InvalidInput', `Invalid request: Invalid action ${c.action}`);
  if (!r.alias && (r.ttl === undefined || !r.values.length)) {
    throw new ApiError(
      'InvalidInput',
      `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=${c.action}, Name=${r.name}, Type=${r.type}, SetIdentifier=${r.setIdentifier ?? 'null'}]`,
    );
  }
  const problems: string[] = [];
  if (!inZone(r.name, zone.name)) problems.push(`RRSet with DNS name ${r.name} is not permitted in zone ${zone.name}`);
  if (r.type === 'A') r.values.filter((v) => !IPV4.test(v)).forEach((v) => problems.push(`ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${v}'`));
  const dup = r.values.find((v, k) => r.values.indexOf(v) !== k);
  if (dup !== undefined) problems.push(`Duplicate Resource Record: '${dup}'`);
  return problems;
}

function applyOne(records: RecordRec[], zone: ZoneRec, c: ChangeInput): { records: RecordRec[]; problem?: string } {
  const r = c.record;
  const existing = records.find((x) => sameRecordSet(x, r));
  if (c.action === 'DELETE') {
    if (!existing) return { records, problem: `Tried to delete resource record set ${label(r)} but it was not found` };
    if (!sameContent(existing, r)) return { records, problem: `Tried to delete resource record set ${label(r)} but the values provided do not match the current values` };
    return { records: records.filter((x) => x !== existing) };
  }
  if (c.action === 'CREATE' && existing) return { records, problem: `Tried to create resource record set ${label(r)} but it already exists` };
  const cname = records.find((x) => x.name === r.name && (x.type === 'CNAME') !== (r.type === 'CNAME') && !sameRecordSet(x, r));
  if (cname) {
    return {
      records,
      problem: `RRSet of type ${r.type} with DNS name ${r.name} is not permitted because a conflicting RRSet of type ${cname.type} with the same DNS name already exists in zone ${zone.name}`,
    };
  }
  return { records: [...records.filter((x) => x !== existing), r] };
}

export function applyBatch(zone: ZoneRec, changes: readonly ChangeInput[]): RecordRec[] {
  if (!changes.length) throw new ApiError('InvalidInput', 'Invalid request: Expected at least one Change');
  const problems: string[] = [];
  let records = zone.records;
  for (const c of changes) {
    const invalid = validate(zone, c);
    if (invalid.length) {
      problems.push(...invalid);
      continue;
    }
    const out = applyOne(records, zone, c);
    if (out.problem) problems.push(out.problem);
    records = out.records;
  }
  if (problems.length) throw new ApiError('InvalidChangeBatch', `[${problems.join(', ')}]`);
  return records;
}

export function normalizeRecord(r: RecordRec): RecordRec {
  return { ...r, name: normalizeName(r.name), type: r.type.toUpperCase() };
}

export function changeStatus(c: ChangeRec, now: number): 'PENDING' | 'INSYNC' {
  return now >= c.insyncAt ? 'INSYNC' : 'PENDING';
}
