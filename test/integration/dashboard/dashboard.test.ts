import '../../support/fleet-env';
import { createServer, type AddressInfo } from 'node:net';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { startDashboard, type DashboardStatus, type RunningDashboard } from '../../../cli/ops/dashboard';
import { useEmulators } from '../../support/emulators';
import { seedDashboardFleet, type SeededFleet } from '../../support/dashboard-fleet';
import { pollUntil } from '../../support/poll';
import { addToListing, fetchRaw, link, putBook, randomChunk } from '../../support/web';
import { startHarness, waitForState, type Harness } from '../fleet-emulator/harness';
import { startTestWeb, type TestWeb } from '../web/app-harness';

// The dashboard against the local EC2 and Route 53, the S3 and SQS emulators and a real web server's /metrics.
const emu = useEmulators('shelfstack-dashboard');
let h: Harness;
let fleet: SeededFleet;
let web: TestWeb;
let dashboard: RunningDashboard;
const CHUNK = randomChunk(40_000);

beforeAll(async () => {
  h = await startHarness();
  fleet = await seedDashboardFleet(h, emu);
  await putBook(emu, 'B0002', { 'A_1.mp3': CHUNK });
  web = await startTestWeb(emu.s3Server.endpoint, emu.bucket);
  await addToListing(web.listingDir, 'B0002', ['A_1.mp3']);
  // One miss, filled from S3, then (once the fill is in the cache) one hit.
  expect((await fetchRaw(web.url, link('B0002', 'A_1.mp3'))).status).toBe(200);
  await pollUntil('the fill cached', async () => (await (await fetch(`${web.url}/metrics`)).text()).includes('shelfstack_cache_fills_total{result="cached"} 1'));
  expect((await fetchRaw(web.url, link('B0002', 'A_1.mp3'))).status).toBe(200);
  // A loopback port that was free a moment ago and is closed now.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  dashboard = await startDashboard({
    clients: fleet.clients,
    cfg: fleet.cfg,
    // www2's metrics port is closed: that source fails alone.
    metrics: [
      { name: 'www1', url: `${web.url}/metrics` },
      { name: 'www2', url: `http://127.0.0.1:${closedPort}/metrics` },
    ],
    refreshMs: 1000,
  });
});

afterAll(async () => {
  await dashboard?.close();
  await web?.stop();
  await h?.close();
});

async function status(): Promise<DashboardStatus> {
  const res = await fetch(`${dashboard.url}status.json`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { status: DashboardStatus }).status;
}

test('shows the seeded fleet: slots healthy, the record in sync, EIP holders, the db volume, hosts and listing', async () => {
  const s = await status();
  if (!s.fleet.ok) throw new Error(s.fleet.error);
  const m = s.fleet.value;
  expect(m.instances.map((i) => [i.slot, i.roles.join(), i.id, i.state, i.health])).toEqual([
    ['db', 'db', fleet.db, 'running', 'healthy'],
    ['www1', 'web', fleet.www1, 'running', 'healthy'],
    ['www2', 'web', fleet.www2, 'running', 'healthy'],
  ]);
  expect(m.dns).toEqual({ current: { values: [fleet.eips.www1, fleet.eips.www2].sort(), ttl: 60 }, desired: [fleet.eips.www1, fleet.eips.www2].sort(), ttl: 60, differs: false });
  expect(m.addresses.map((a) => [a.slot, a.publicIp, a.holder, a.holderHealth])).toEqual([
    ['www1', fleet.eips.www1, fleet.www1, 'healthy'],
    ['www2', fleet.eips.www2, fleet.www2, 'healthy'],
  ]);
  expect(m.volumes).toEqual([expect.objectContaining({ slot: 'db', id: fleet.volumeId, state: 'in-use', instanceId: fleet.db, device: '/dev/sdf', attachment: 'attached', holderHealth: 'healthy' })]);
  expect(m.hosts).toMatchObject({ written: true, upToDate: true });
  expect(m.listing.manifests).toBe(2);
});

test('shows the queue depths of this cluster only, dead-letter queues included', async () => {
  const s = await status();
  if (!s.queues.ok) throw new Error(s.queues.error);
  expect(s.queues.value.map((q) => [q.name, q.kind, q.visible])).toEqual([
    ['shelfstack-main-uploads', 'work', 2],
    ['shelfstack-main-fleet-failures', 'dead-letter', 0],
    ['shelfstack-main-uploads-dlq', 'dead-letter', 1],
    [`shelfstack-main-signal-${fleet.www1}`, 'signal', 0],
  ]);
});

test("reads the web server's real /metrics; an unreachable one shows its error beside it", async () => {
  const s = await status();
  expect(s.web[0]).toEqual({ name: 'www1', url: `${web.url}/metrics`, ok: true, value: { hits: 1, misses: 1, hitRatio: 0.5, bytesServed: 2 * CHUNK.length } });
  expect(s.web[1]).toMatchObject({ name: 'www2', ok: false, error: 'TypeError: fetch failed: ECONNREFUSED' });
});

test('a source that fails is shown in its sections, the rest of the page still renders', async () => {
  const broken = await startDashboard({ clients: fleet.clients, cfg: { ...fleet.cfg, bucket: 'shelfstack-no-such-bucket' }, refreshMs: 1000 });
  try {
    const res = await fetch(broken.url);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<p class="error">NoSuchBucket: /);
    expect(html).toContain('<td>shelfstack-main-uploads</td>');
  } finally {
    await broken.close();
  }
});

test('after an instance is terminated the next reading shows it lost, its address unattached and the record to change', async () => {
  await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [fleet.www2] }));
  await waitForState(h, fleet.www2, 'terminated');
  const lost = await pollUntil('www2 lost on the dashboard', async () => {
    const s = await status();
    return s.fleet.ok && s.fleet.value.instances.find((i) => i.id === fleet.www2)?.state === 'terminated' ? s.fleet.value : undefined;
  });
  const m = lost!;
  expect(m.instances.find((i) => i.id === fleet.www2)!.health).toBe('lost');
  const address = m.addresses.find((a) => a.slot === 'www2')!;
  expect([address.holder, address.holderHealth]).toEqual([undefined, '-']);
  expect(m.dns).toMatchObject({ desired: [fleet.eips.www1], differs: true });
});
