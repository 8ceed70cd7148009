import '../../support/fleet-env';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { AssociateAddressCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { HOSTS_KEY } from '../../../core/keys';
import { getText, putTextConditional } from '../../../cloud/s3';
import { runApply } from '../../../cli/commands/apply';
import { runPlan } from '../../../cli/commands/plan';
import { runStatus } from '../../../cli/commands/status';
import { runScale } from '../../../cli/commands/scale';
import type { FleetIo } from '../../../cli/fleet-io';
import { useEmulators } from '../../support/emulators';
import { mockScenario, SCENARIO_HOSTS, SCENARIO_NOW } from '../../support/fleet-scenario';

const emu = useEmulators();
const ec2mock = mockClient(EC2Client);
const r53mock = mockClient(Route53Client);

function io(lines: string[], opts: Partial<FleetIo> = {}) {
  return (env: FleetIo['env']): FleetIo => ({
    clients: { ec2: new EC2Client({}), route53: new Route53Client({}), s3: emu.s3, sqs: emu.sqs },
    env: { ...env, SHELFSTACK_BUCKET: emu.bucket },
    now: () => SCENARIO_NOW,
    out: (l) => lines.push(l),
    confirm: async () => false,
    stdinIsTty: false,
    ...opts,
  });
}

beforeEach(async () => {
  ec2mock.reset();
  r53mock.reset();
  mockScenario(ec2mock, r53mock);
  const current = await getText(emu.s3, emu.bucket, HOSTS_KEY);
  await putTextConditional(emu.s3, emu.bucket, HOSTS_KEY, SCENARIO_HOSTS, current?.etag ?? null, 'text/plain');
  await putTextConditional(emu.s3, emu.bucket, 'listing/B0001.json', '{"book":"B0001","chunks":[]}', null).catch(() => undefined);
});

describe('shelfstack plan, status, apply and scale against mocked AWS', () => {
  it('plan prints a readable diff of every reconciler and changes nothing', async () => {
    const lines: string[] = [];
    expect(await runPlan([], io(lines))).toBe(0);
    const out = lines.join('\n');
    expect(out).toContain('hosts  s3://shelfstack-test/cluster/hosts: update\n  - 10.0.1.9 dbserver\n  + 10.0.1.10 dbserver');
    expect(out).toContain('  ! role_without_running_instance: replserver: no running repl instance; kept 10.0.1.11');
    expect(out).toContain('dns    www.shelfstack.example. A, TTL 300: UPSERT\n    198.51.100.1\n  - 198.51.100.2\n  + 203.0.113.31');
    expect(out).toContain('  launch slot www2 from lt-0abc123def4567890, ClientToken eip-main-www2-i-0a1b2c3d4e5f60002: replaces i-0a1b2c3d4e5f60002 (terminated, lost)');
    expect(out).toContain('  terminate i-0a1b2c3d4e5f60003 (surge, out of DNS for more than TTL + 120s)');
    expect(out).toMatch(/\d+ changes\. Run `shelfstack apply` to make them\.$/);
    expect(r53mock).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(ec2mock).not.toHaveReceivedCommand(RunInstancesCommand);
    expect((await getText(emu.s3, emu.bucket, HOSTS_KEY))?.text).toBe(SCENARIO_HOSTS);
  });

  it('plan --json gives the same plan to scripts', async () => {
    const lines: string[] = [];
    await runPlan(['--json'], io(lines));
    const plan = JSON.parse(lines.join('\n'));
    expect(plan.dns.upsert.values).toEqual(['198.51.100.1', '203.0.113.31']);
    expect(plan.scale.terminate).toEqual(['i-0a1b2c3d4e5f60003']);
  });

  it('status shows instances by slot with health, DNS current vs desired, EIP holders, hosts and listing age', async () => {
    const lines: string[] = [];
    expect(await runStatus([], io(lines))).toBe(0);
    const out = lines.join('\n');
    expect(out).toMatch(/SLOT\s+ROLES\s+INSTANCE\s+STATE\s+HEALTH/);
    expect(out).toMatch(/www1\s+web\s+i-0a1b2c3d4e5f60001\s+running\s+healthy\s+10\.0\.2\.11\s+198\.51\.100\.1/);
    expect(out).toMatch(/www2\s+web\s+i-0a1b2c3d4e5f60002\s+terminated\s+lost/);
    expect(out).toContain('  current  198.51.100.1, 198.51.100.2 (TTL 300)');
    expect(out).toContain('  desired  198.51.100.1, 203.0.113.31 (TTL 300)  <- differs');
    expect(out).toMatch(/www2\s+198\.51\.100\.2\s+eipalloc-0aaaa00000000002\s+\(unattached\)/);
    expect(out).toMatch(/hosts file  written .* ago, out of date/);
    expect(out).toMatch(/listing     1 manifests, newest written .* ago/);
  });

  it('apply refuses without --yes when nobody can be asked, and with --yes applies exactly the plan', async () => {
    await expect(runApply([], io([]))).rejects.toThrow(/pass --yes/);
    expect(r53mock).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);

    const lines: string[] = [];
    expect(await runApply(['--yes'], io(lines))).toBe(0);
    expect(r53mock).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    expect(ec2mock).toHaveReceivedCommandWith(RunInstancesCommand, { ClientToken: 'eip-main-www2-i-0a1b2c3d4e5f60002' });
    expect(ec2mock).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0a1b2c3d4e5f60003'] });
    expect(ec2mock).not.toHaveReceivedCommand(AssociateAddressCommand);
    expect((await getText(emu.s3, emu.bucket, HOSTS_KEY))?.text).toContain('10.0.1.10 dbserver\n10.0.1.11 replserver\n');
    expect(lines[0]).toMatch(/^shelfstack apply: cluster main[\s\S]*\n\d+ changes\.$/);
    expect(lines.at(-1)).toBe('Applied.');
  });

  it('apply asks on a terminal and applies nothing on "no"', async () => {
    const lines: string[] = [];
    expect(await runApply([], io(lines, { stdinIsTty: true, confirm: async () => false }))).toBe(1);
    expect(lines.at(-1)).toBe('Nothing applied.');
    expect(r53mock).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('scale in --dry-run lists the terminations, scale out needs a count', async () => {
    const lines: string[] = [];
    expect(await runScale(['in', '--dry-run'], io(lines))).toBe(0);
    expect(lines).toEqual(['terminate i-0a1b2c3d4e5f60003']);
    expect(ec2mock).not.toHaveReceivedCommand(TerminateInstancesCommand);
    await expect(runScale(['out'], io([]))).rejects.toThrow(/--count N/);
    const out: string[] = [];
    await runScale(['out', '--count', '2'], io(out));
    expect(out).toEqual([
      'launch surge server (rule manual), ClientToken surge-main-manual-20261124T1200-1\nlaunch surge server (rule manual), ClientToken surge-main-manual-20261124T1200-2',
      expect.stringMatching(/^done surge_launched/),
      expect.stringMatching(/^done surge_launched/),
    ]);
    expect(ec2mock).toHaveReceivedCommandTimes(RunInstancesCommand, 2);
  });
});
