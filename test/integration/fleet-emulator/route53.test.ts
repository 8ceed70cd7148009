import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  type Change,
} from '@aws-sdk/client-route-53';
import { FAST, startHarness, until, type Harness } from './harness';

// The local Route 53 through the real SDK client: zones, atomic batches, exact-match rules, change status.
let h: Harness;
let zoneId: string;
beforeEach(async () => {
  // Slow enough INSYNC that a change right after another is reliably refused, even on a busy machine.
  h = await startHarness({ timings: { ...FAST, recordSyncMs: 800 } });
  const zone = await h.r53.send(new CreateHostedZoneCommand({ Name: 'Shelfstack.Local', CallerReference: 'test-1' }));
  zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
});
afterEach(() => h.close());

const a = (action: 'CREATE' | 'UPSERT' | 'DELETE', name: string, values: string[], ttl = 300): Change => ({
  Action: action,
  ResourceRecordSet: { Name: name, Type: 'A', TTL: ttl, ResourceRecords: values.map((Value) => ({ Value })) },
});

async function change(...changes: Change[]) {
  // Route 53 takes one change per zone at a time: wait out the previous one first.
  const res = await until(async () => {
    try {
      return await h.r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
    } catch (e: unknown) {
      if ((e as Error).name === 'PriorRequestNotComplete') return undefined;
      throw e;
    }
  });
  return res.ChangeInfo!;
}

async function records() {
  const res = await h.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return res.ResourceRecordSets!.filter((r) => r.Type === 'A').map((r) => ({ name: r.Name, ttl: r.TTL, values: r.ResourceRecords!.map((v) => v.Value) }));
}

test('a zone has a Z… id, a normalized name and its NS and SOA sets', async () => {
  expect(zoneId).toMatch(/^Z[0-9A-Z]{10,32}$/);
  const zone = await h.r53.send(new GetHostedZoneCommand({ Id: zoneId }));
  expect(zone.HostedZone).toMatchObject({ Name: 'shelfstack.local.', ResourceRecordSetCount: 2, Config: { PrivateZone: false } });
  expect(zone.DelegationSet!.NameServers).toHaveLength(4);
  expect((await h.r53.send(new ListHostedZonesCommand({}))).HostedZones!.map((z) => z.Id)).toEqual([`/hostedzone/${zoneId}`]);
  const types = (await h.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets!.map((r) => r.Type);
  expect(types).toEqual(['NS', 'SOA']);
  await expect(h.r53.send(new CreateHostedZoneCommand({ Name: 'other.local', CallerReference: 'test-1' }))).rejects.toMatchObject({ name: 'HostedZoneAlreadyExists' });
  await expect(h.r53.send(new GetHostedZoneCommand({ Id: 'Z0000000000NOSUCH' }))).rejects.toMatchObject({ name: 'NoSuchHostedZone', $metadata: { httpStatusCode: 404 } });
});

test('GetChange goes PENDING → INSYNC; a change while the last is PENDING gets PriorRequestNotComplete (400)', async () => {
  const info = await change(a('UPSERT', 'www.shelfstack.local', ['127.0.1.1']));
  expect(info.Id).toMatch(/^\/change\/C[0-9A-Z]+$/);
  expect(info.Status).toBe('PENDING');
  await expect(
    h.r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [a('UPSERT', 'www.shelfstack.local', ['127.0.1.2'])] } })),
  ).rejects.toMatchObject({ name: 'PriorRequestNotComplete', $metadata: { httpStatusCode: 400 } });
  await until(async () => ((await h.r53.send(new GetChangeCommand({ Id: info.Id }))).ChangeInfo!.Status === 'INSYNC' ? true : undefined), 3000, 'INSYNC');
  await change(a('UPSERT', 'www.shelfstack.local', ['127.0.1.2']));
  expect(await records()).toEqual([{ name: 'www.shelfstack.local.', ttl: 300, values: ['127.0.1.2'] }]);
});

test('a batch is all or nothing: one bad change leaves the zone as it was, with InvalidChangeBatch', async () => {
  await change(a('CREATE', 'www.shelfstack.local', ['127.0.1.1']));
  const batch = [a('UPSERT', 'api.shelfstack.local', ['127.0.1.9']), a('CREATE', 'WWW.shelfstack.local.', ['127.0.1.2'])];
  const err = await until(async () => {
    try {
      await h.r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: batch } }));
      return new Error('accepted');
    } catch (e: unknown) {
      return (e as Error).name === 'PriorRequestNotComplete' ? undefined : (e as Error);
    }
  });
  expect(err).toMatchObject({ name: 'InvalidChangeBatch', $metadata: { httpStatusCode: 400 } });
  expect(err.message).toBe("[Tried to create resource record set [name='www.shelfstack.local.', type='A'] but it already exists]");
  expect(await records()).toEqual([{ name: 'www.shelfstack.local.', ttl: 300, values: ['127.0.1.1'] }]);
});

test('DELETE must match name, type, TTL and values exactly; UPSERT replaces; names compare lower-case with a dot', async () => {
  await change(a('UPSERT', 'www.shelfstack.local', ['127.0.1.1', '127.0.1.2']));
  const rejected = async (c: Change) => {
    try {
      await change(c);
    } catch (e: unknown) {
      return e as Error;
    }
    throw new Error('accepted');
  };
  expect((await rejected(a('DELETE', 'www.shelfstack.local', ['127.0.1.1', '127.0.1.2'], 60))).message).toContain('the values provided do not match the current values');
  expect((await rejected(a('DELETE', 'www.shelfstack.local', ['127.0.1.1'])))).toMatchObject({ name: 'InvalidChangeBatch' });
  expect((await rejected(a('DELETE', 'nope.shelfstack.local', ['127.0.1.1']))).message).toContain('but it was not found');
  expect((await rejected(a('UPSERT', 'www.elsewhere.example', ['127.0.1.1']))).message).toContain('is not permitted in zone shelfstack.local.');
  expect((await rejected(a('UPSERT', 'www.shelfstack.local', ['not-an-ip']))).message).toContain('ARRDATAIllegalIPv4Address');
  expect(await records()).toEqual([{ name: 'www.shelfstack.local.', ttl: 300, values: ['127.0.1.1', '127.0.1.2'] }]);
  // Values in another order still match; the name in capitals with a trailing dot is the same name.
  await change(a('DELETE', 'WWW.Shelfstack.Local.', ['127.0.1.2', '127.0.1.1']));
  expect(await records()).toEqual([]);
});

test('ListResourceRecordSets starts at StartRecordName/Type, in reversed-label order, and pages with MaxItems', async () => {
  await change(a('UPSERT', 'www.shelfstack.local', ['127.0.1.1']), a('UPSERT', 'api.shelfstack.local', ['127.0.1.2']), a('UPSERT', 'b.www.shelfstack.local', ['127.0.1.3']));
  const page = await h.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: 'www.shelfstack.local', StartRecordType: 'A', MaxItems: 1 }));
  expect(page.ResourceRecordSets!.map((r) => `${r.Name} ${r.Type}`)).toEqual(['www.shelfstack.local. A']);
  expect(page).toMatchObject({ IsTruncated: true, NextRecordName: 'b.www.shelfstack.local.', NextRecordType: 'A', MaxItems: 1 });
  const all = await h.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  expect(all.ResourceRecordSets!.map((r) => `${r.Name} ${r.Type}`)).toEqual([
    'shelfstack.local. NS',
    'shelfstack.local. SOA',
    'api.shelfstack.local. A',
    'www.shelfstack.local. A',
    'b.www.shelfstack.local. A',
  ]);
  expect(all.IsTruncated).toBe(false);
  await expect(h.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordType: 'A' }))).rejects.toMatchObject({ name: 'InvalidInput' });
});
