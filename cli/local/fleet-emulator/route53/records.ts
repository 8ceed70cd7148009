import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import { route53Id, type RecordRec, type ZoneRec } from '../state';
import { members } from '../xml';
import { applyBatch, changeStatus, normalizeRecord, type ChangeInput } from './changes';
import { compareRecords, normalizeName } from './names';
import { asList, field, type XmlObject } from './xml-input';
import { findZone } from './zones';

/** ChangeResourceRecordSets, ListResourceRecordSets and GetChange. */
export function changeInfo(ctx: FleetContext, id: string) {
  const c = ctx.state.changes.find((x) => x.id === id);
  if (!c) throw new ApiError('NoSuchChange', `A change with the specified change ID does not exist.`, 404);
  return { Id: `/change/${c.id}`, Status: changeStatus(c, ctx.now()), SubmittedAt: new Date(c.submittedAt), Comment: c.comment };
}

function recordInput(x: XmlObject): RecordRec {
  const alias = field(x, 'AliasTarget');
  return {
    name: String(field(x, 'Name') ?? ''),
    type: String(field(x, 'Type') ?? ''),
    ttl: field(x, 'TTL') === undefined ? undefined : Number(field(x, 'TTL')),
    values: asList(field(field(x, 'ResourceRecords'), 'ResourceRecord')).map((r) => String(field(r, 'Value') ?? '')),
    setIdentifier: field(x, 'SetIdentifier') === undefined ? undefined : String(field(x, 'SetIdentifier')),
    alias: alias
      ? { hostedZoneId: String(field(alias, 'HostedZoneId') ?? ''), dnsName: normalizeName(String(field(alias, 'DNSName') ?? '')), evaluateTargetHealth: field(alias, 'EvaluateTargetHealth') === 'true' }
      : undefined,
  };
}

export function changeResourceRecordSets(ctx: FleetContext, zoneId: string, body: XmlObject) {
  const zone = findZone(ctx, zoneId);
  const batch = field(field(body, 'ChangeResourceRecordSetsRequest'), 'ChangeBatch');
  const changes: ChangeInput[] = asList(field(field(batch, 'Changes'), 'Change')).map((c) => ({
    action: String(field(c, 'Action') ?? ''),
    record: normalizeRecord(recordInput(field(c, 'ResourceRecordSet') as XmlObject)),
  }));
  const now = ctx.now();
  if (ctx.state.changes.some((c) => c.zoneId === zone.id && changeStatus(c, now) === 'PENDING')) {
    throw new ApiError('PriorRequestNotComplete', 'The request was rejected because Route 53 was still processing a prior request.');
  }
  zone.records = applyBatch(zone, changes);
  const id = route53Id('C');
  const comment = field(batch, 'Comment');
  ctx.state.changes.push({ id, zoneId: zone.id, submittedAt: now, insyncAt: now + ctx.timings.recordSyncMs, comment: comment === undefined ? undefined : String(comment) });
  ctx.commit();
  return { ChangeInfo: changeInfo(ctx, id) };
}

function recordXml(r: RecordRec) {
  return {
    Name: r.name,
    Type: r.type,
    SetIdentifier: r.setIdentifier,
    TTL: r.alias ? undefined : r.ttl,
    ResourceRecords: r.alias ? undefined : members('ResourceRecord', r.values.map((Value) => ({ Value }))),
    AliasTarget: r.alias && { HostedZoneId: r.alias.hostedZoneId, DNSName: r.alias.dnsName, EvaluateTargetHealth: r.alias.evaluateTargetHealth },
  };
}

export function listResourceRecordSets(ctx: FleetContext, zoneId: string, params: URLSearchParams) {
  const zone: ZoneRec = findZone(ctx, zoneId);
  const name = params.get('name');
  const type = params.get('type');
  if (type && !name) throw new ApiError('InvalidInput', 'The input is not valid: StartRecordType requires StartRecordName');
  const rawMax = params.get('maxitems');
  const max = rawMax === null ? 300 : Number(rawMax);
  if (!Number.isInteger(max) || max < 1) throw new ApiError('InvalidInput', `1 validation error detected: Value '${rawMax}' at 'maxItems' failed to satisfy constraint`);
  const sorted = [...zone.records].sort(compareRecords);
  const start = name ? { name: normalizeName(name), type: type ?? '', setIdentifier: params.get('identifier') ?? undefined } : undefined;
  const from = start ? sorted.findIndex((r) => compareRecords(r, start) >= 0) : 0;
  const rest = from < 0 ? [] : sorted.slice(from);
  const page = rest.slice(0, Math.min(max, 300));
  const next = rest[page.length];
  return {
    ResourceRecordSets: members('ResourceRecordSet', page.map(recordXml)),
    IsTruncated: Boolean(next),
    NextRecordName: next?.name,
    NextRecordType: next?.type,
    NextRecordIdentifier: next?.setIdentifier,
    MaxItems: Math.min(max, 300),
  };
}
