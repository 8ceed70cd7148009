import '../../support/fleet-env';
import { exitOf, runCli, startCli } from '../../support/cli';
import { useEmulators } from '../../support/emulators';
import { seedDashboardFleet, type SeededFleet } from '../../support/dashboard-fleet';
import type { DashboardStatus } from '../../../cli/ops/dashboard';
import { startHarness, type Harness } from '../fleet-emulator/harness';

// `shelfstack dashboard` as its own process, reaching the local fleet only through the SDK's
// endpoint variables, as with the rehearsal's .shelfstack/local.env.
const emu = useEmulators('shelfstack-dashboard-cli');
let h: Harness;
let fleet: SeededFleet;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  h = await startHarness();
  fleet = await seedDashboardFleet(h, emu);
  env = {
    AWS_ENDPOINT_URL_EC2: h.emu.ec2Endpoint,
    AWS_ENDPOINT_URL_ROUTE_53: h.emu.route53Endpoint,
    AWS_ENDPOINT_URL_S3: emu.s3Server.endpoint,
    AWS_ENDPOINT_URL_SQS: emu.sqsServer.endpoint,
    AWS_REGION: 'us-east-1',
    SHELFSTACK_CLUSTER: fleet.cfg.cluster,
    SHELFSTACK_BUCKET: fleet.cfg.bucket,
    SHELFSTACK_ZONE_ID: fleet.cfg.zoneId,
    SHELFSTACK_RECORD: fleet.cfg.record,
    SHELFSTACK_TTL: '60',
  };
});
afterAll(() => h?.close());

test('serves the fleet on loopback, prints its URL, and stops on SIGTERM with exit 0', async () => {
  const { child, output } = await startCli(['dashboard', '--port', '0', '--refresh-seconds', '2'], /shelfstack dashboard: http:\/\/127\.0\.0\.1:\d+\/ /, env);
  try {
    const url = output().match(/shelfstack dashboard: (\S+)/)![1]!;
    expect(output()).toContain('(cluster main, refresh every 2s, metrics from 0 web servers)');
    expect(await (await fetch(`${url}healthz`)).text()).toBe('ok\n');
    const { status } = (await (await fetch(`${url}status.json`)).json()) as { status: DashboardStatus };
    if (!status.fleet.ok) throw new Error(status.fleet.error);
    expect(status.fleet.value.instances.map((i) => [i.slot, i.health])).toEqual([
      ['db', 'healthy'],
      ['www1', 'healthy'],
      ['www2', 'healthy'],
    ]);
    expect(status.fleet.value.dns.differs).toBe(false);
    expect(status.queues).toMatchObject({ ok: true });
    expect(await (await fetch(url)).text()).toContain('data-refresh-ms="2000"');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exitOf(child)).toEqual({ code: 0, signal: null });
}, 60_000);

test('is a verb of shelfstack with --help, and says what is wrong in one line', async () => {
  const help = await runCli(['dashboard', '--help']);
  expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('usage: shelfstack dashboard [--port N] [--host ADDR]')]);
  expect((await runCli(['--help'])).stdout).toMatch(/\n {2}dashboard +a live page of `status`/);

  const port = await runCli(['dashboard', '--port', 'x'], env);
  expect([port.code, port.stderr.split('\n')[0]]).toEqual([2, 'shelfstack dashboard: --port must be a whole number from 0 to 65535 (got "x") (see shelfstack dashboard --help)']);

  const metrics = await runCli(['dashboard'], { ...env, SHELFSTACK_DASHBOARD_METRICS: 'www1=127.0.0.1:8080' });
  expect([metrics.code, metrics.stderr]).toEqual([1, 'shelfstack dashboard: SHELFSTACK_DASHBOARD_METRICS has an entry that is not a URL: 127.0.0.1:8080\n']);

  const cluster = await runCli(['dashboard'], { ...env, SHELFSTACK_CLUSTER: '' });
  expect(cluster.code).toBe(1);
  expect(cluster.stderr).toMatch(/^shelfstack dashboard: SHELFSTACK_CLUSTER [^\n]+\n$/);
}, 60_000);
