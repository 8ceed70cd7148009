import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import { route53Id, type ZoneRec } from '../state';
import { members } from '../xml';
import { normalizeName } from './names';
import { field, type XmlObject } from './xml-input';

/** Hosted zones: created for seeding (with their SOA and NS sets), listed and read. */
const NAME_SERVERS = ['ns-1.awsdns-01.com.', 'ns-2.awsdns-02.net.', 'ns-3.awsdns-03.org.', 'ns-4.awsdns-04.co.uk.'];

export function findZone(ctx: FleetContext, id: string): ZoneRec {
  const bare = id.replace(/^\/?hostedzone\//, '');
  const z = ctx.state.zones.find((x) => x.id === bare);
  if (!z) throw new ApiError('NoSuchHostedZone', `No hosted zone found with ID: ${bare}`, 404);
  return z;
}

function zoneXml(z: ZoneRec) {
  return {
    Id: `/hostedzone/${z.id}`,
    Name: z.name,
    CallerReference: z.callerReference,
    Config: { Comment: z.comment, PrivateZone: z.privateZone },
    ResourceRecordSetCount: z.records.length,
  };
}

const delegation = { NameServers: members('NameServer', NAME_SERVERS) };

export function createHostedZone(ctx: FleetContext, body: XmlObject) {
  const req = field(body, 'CreateHostedZoneRequest');
  const rawName = field(req, 'Name');
  const callerReference = field(req, 'CallerReference');
  if (typeof rawName !== 'string' || !/^[a-zA-Z0-9.-]+\.?$/.test(rawName)) throw new ApiError('InvalidDomainName', `${String(rawName)} is not a valid domain name.`);
  if (typeof callerReference !== 'string' || !callerReference) throw new ApiError('InvalidInput', 'Invalid request: CallerReference is required');
  if (ctx.state.zones.some((z) => z.callerReference === callerReference)) {
    throw new ApiError('HostedZoneAlreadyExists', 'A hosted zone has already been created with the specified caller reference.', 409);
  }
  const name = normalizeName(rawName);
  const config = field(req, 'HostedZoneConfig');
  const comment = field(config, 'Comment');
  const z: ZoneRec = {
    id: route53Id('Z'),
    name,
    callerReference,
    comment: typeof comment === 'string' ? comment : undefined,
    privateZone: field(config, 'PrivateZone') === 'true',
    records: [
      { name, type: 'NS', ttl: 172800, values: NAME_SERVERS },
      { name, type: 'SOA', ttl: 900, values: [`${NAME_SERVERS[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`] },
    ],
  };
  ctx.state.zones.push(z);
  const now = ctx.now();
  const changeId = route53Id('C');
  // The zone's own creation change is not on the zone's record queue: it never blocks a first change.
  ctx.state.changes.push({ id: changeId, submittedAt: now, insyncAt: now + ctx.timings.recordSyncMs });
  ctx.commit();
  return {
    location: `https://route53.amazonaws.com/2013-04-01/hostedzone/${z.id}`,
    body: { HostedZone: zoneXml(z), ChangeInfo: { Id: `/change/${changeId}`, Status: 'PENDING', SubmittedAt: new Date(now) }, DelegationSet: delegation },
  };
}

export function getHostedZone(ctx: FleetContext, id: string) {
  return { HostedZone: zoneXml(findZone(ctx, id)), DelegationSet: delegation };
}

export function listHostedZones(ctx: FleetContext, params: URLSearchParams) {
  const max = Math.min(Number(params.get('maxitems') ?? 100), 100);
  const marker = params.get('marker');
  const from = marker ? ctx.state.zones.findIndex((z) => z.id === marker) : 0;
  if (from < 0) throw new ApiError('InvalidInput', `Invalid marker: ${marker}`);
  const page = ctx.state.zones.slice(from, from + max);
  const next = ctx.state.zones[from + max];
  return { HostedZones: members('HostedZone', page.map(zoneXml)), Marker: marker ?? undefined, IsTruncated: Boolean(next), NextMarker: next?.id, MaxItems: max };
}
