import '../../support/fleet-env';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AllocateAddressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { exitOf, runCli } from '../../support/cli';
import { useEmulators } from '../../support/emulators';
import { FAST, until, webTemplate } from './harness';

// Two processes, as in the rehearsal: the emulator on its own, and the real `shelfstack` CLI
// reaching it only through AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL_ROUTE_53.
const s3 = useEmulators();
let child: ChildProcess;
let dir: string;
let endpoints: { ec2: string; route53: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-emu-cli-'));
  const main = join(__dirname, '../../../cli/local/fleet-emulator/main.ts');
  child = spawn(process.execPath, ['--require', 'tsx/cjs', main, '--dir', dir, '--timings', JSON.stringify(FAST)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const ready = await until(async () => out.split('\n').find((l) => l.includes('fleet_emulator_ready')), 20000, `the emulator's ready line:\n${out}`);
  endpoints = JSON.parse(ready) as { ec2: string; route53: string };
});

afterAll(async () => {
  child.kill('SIGTERM');
  expect(await exitOf(child)).toEqual({ code: 0, signal: null });
  await rm(dir, { recursive: true, force: true });
});

test('shelfstack apply fills both web slots from nothing, and status then shows them healthy and the record in sync', async () => {
  const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };
  const ec2 = new EC2Client({ endpoint: endpoints.ec2, region: 'us-east-1', credentials });
  const r53 = new Route53Client({ endpoint: endpoints.route53, region: 'us-east-1', credentials });
  await webTemplate(ec2, 'shelfstack-web', { 'shelfstack:cluster': 'main', 'shelfstack:role': 'web' });
  const eips: string[] = [];
  for (const slot of ['www1', 'www2']) {
    const a = await ec2.send(
      new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'shelfstack:cluster', Value: 'main' }, { Key: 'shelfstack:slot', Value: slot }] }] }),
    );
    eips.push(a.PublicIp!);
  }
  const zone = await r53.send(new CreateHostedZoneCommand({ Name: 'shelfstack.local', CallerReference: 'cli' }));
  ec2.destroy();
  r53.destroy();

  const env = {
    AWS_ENDPOINT_URL_EC2: endpoints.ec2,
    AWS_ENDPOINT_URL_ROUTE_53: endpoints.route53,
    SHELFSTACK_BUCKET: s3.bucket,
    SHELFSTACK_ZONE_ID: zone.HostedZone!.Id!.replace('/hostedzone/', ''),
    SHELFSTACK_RECORD: 'www.shelfstack.local',
    SHELFSTACK_LAUNCH_TEMPLATE: 'shelfstack-web',
  };
  // Each apply acts on what it observed: launch, then (once running and ok) associate and publish,
  // then the record follows the elastic IPs, until status shows the desired state.
  const inSync = (out: string) => {
    const lines = out.split('\n');
    const healthy = ['www1', 'www2'].every((slot) => lines.some((l) => l.trim().startsWith(slot) && / running +healthy /.test(l)));
    return healthy && out.includes(`current  ${[...eips].sort().join(', ')} (TTL 300)`) && !out.includes('<- differs');
  };
  let rounds = 0;
  const status = await until(async () => {
    rounds++;
    expect(await runCli(['apply', '--yes'], env)).toMatchObject({ code: 0 });
    const shown = await runCli(['status'], env);
    expect(shown.code).toBe(0);
    return inSync(shown.stdout) ? shown.stdout : undefined;
  }, 60000, 'both slots healthy and the record in sync');
  expect(status).toMatch(/www1 .*eipalloc-\S+ +i-\S+ +healthy/);
  // Launch; associate and publish; follow the addresses (a round more if a launch was slow to be ok).
  expect(rounds).toBeLessThanOrEqual(5);
  const plan = await runCli(['plan'], env);
  expect(plan).toMatchObject({ code: 0 });
  expect(plan.stdout).toContain('No changes: the fleet matches its desired state.');
}, 120000);
