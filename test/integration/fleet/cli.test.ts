import '../../support/fleet-env';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { HOSTS_KEY } from '../../../core/keys';
import { getText, putTextConditional } from '../../../cloud/s3';
import { runApply } from '../../../cli/commands/apply';
import { runPlan } from '../../../cli/commands/plan';
import { runStatus } from '../../../cli/commands/status';
import { runScale } from '../../../cli/commands/scale';
import type { FleetIo } from '../../../cli/fleet-io';
import { useEmulators } from '../../support/emulators';
import { dbVolume, eipAddress, okStatus, reservations } from '../../support/aws-shapes';
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
    expect(out).toMatch(/db volume \(1\)\n\s+SLOT\s+VOLUME\s+STATE\s+AZ\s+ATTACHED TO\s+DEVICE\s+ATTACHMENT\s+HOLDER HEALTH\n\s+db\s+vol-0db0123456789abcd\s+in-use\s+eu-west-1a\s+i-0a1b2c3d4e5f60005\s+\/dev\/sdf\s+attached\s+healthy/);
  });

  it('plan against an empty cluster shows the web, db, FTP and cache slots it would fill', async () => {
    ec2mock.on(DescribeInstancesCommand).resolves(reservations([]));
    ec2mock.on(DescribeVolumesCommand).resolves({ Volumes: [dbVolume()] });
    const slotTags = (slot: string) => ({ 'shelfstack:cluster': 'main', 'shelfstack:slot': slot });
    ec2mock.on(DescribeAddressesCommand).resolves({ Addresses: [eipAddress('eipalloc-0aaaa00000000001', '198.51.100.1', slotTags('www1')), eipAddress('eipalloc-0aaaa00000000002', '198.51.100.2', slotTags('www2'))] });
    ec2mock.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-0aaaa1111', AvailabilityZone: 'eu-west-1a', VpcId: 'vpc-0abc1234', State: 'available' }] });
    const lines: string[] = [];
    const env = {
      SHELFSTACK_DB_LAUNCH_TEMPLATE: 'lt-0db123def4567890a', SHELFSTACK_SUBNETS: 'subnet-0aaaa1111,subnet-0bbbb2222',
      SHELFSTACK_FTP_LAUNCH_TEMPLATE: 'shelfstack-main-ftp', SHELFSTACK_CACHE_LAUNCH_TEMPLATE: 'shelfstack-main-cache',
    };
    expect(await runPlan([], (e) => io(lines)({ ...e, ...env }))).toBe(0);
    const out = lines.join('\n');
    expect(out).toContain('  launch slot www1 from lt-0abc123def4567890 in subnet-0aaaa1111, ClientToken eip-main-www1-none2026112412: the slot has no instance');
    expect(out).toContain('  launch slot www2 from lt-0abc123def4567890 in subnet-0bbbb2222, ClientToken eip-main-www2-none2026112412: the slot has no instance');
    expect(out).toContain('  launch slot ftp from shelfstack-main-ftp, ClientToken ftp-main-none2026112412: the slot has no instance');
    expect(out).toContain('  launch slot cache from shelfstack-main-cache, ClientToken cache-main-none2026112412: the slot has no instance');
    expect(out).toContain('db     volume vol-0db0123456789abcd: change\n  launch slot db in eu-west-1a (subnet-0aaaa1111) from lt-0db123def4567890a, ClientToken db-main-none2026112412: the slot has no instance');
    expect(out).toMatch(/\n6 changes\. Run/);
    expect(ec2mock).not.toHaveReceivedCommand(RunInstancesCommand);
  });

  it('apply moves an address before it changes the record, and plans the record again from a fresh look', async () => {
    const slot2 = { 'shelfstack:cluster': 'main', 'shelfstack:role': 'web', 'shelfstack:slot': 'www2' };
    const before = [{ id: 'i-0a1b2c3d4e5f60001', privateIp: '10.0.2.11', publicIp: '198.51.100.1', tags: { ...slot2, 'shelfstack:slot': 'www1' } }, { id: 'i-0a1b2c3d4e5f60008', privateIp: '10.0.2.12', publicIp: '203.0.113.88', tags: slot2 }];
    const after = [before[0]!, { ...before[1]!, publicIp: '198.51.100.2' }];
    ec2mock.on(DescribeInstancesCommand).resolvesOnce(reservations(before)).resolves(reservations(after));
    ec2mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: before.map((b) => okStatus(b.id)) });
    const www1 = eipAddress('eipalloc-0aaaa00000000001', '198.51.100.1', { 'shelfstack:cluster': 'main', 'shelfstack:slot': 'www1' }, 'i-0a1b2c3d4e5f60001');
    const unattached = eipAddress('eipalloc-0aaaa00000000002', '198.51.100.2', { 'shelfstack:cluster': 'main', 'shelfstack:slot': 'www2' });
    const moved = eipAddress('eipalloc-0aaaa00000000002', '198.51.100.2', { 'shelfstack:cluster': 'main', 'shelfstack:slot': 'www2' }, 'i-0a1b2c3d4e5f60008');
    const filter = { Filters: [{ Name: 'tag:shelfstack:cluster', Values: ['main'] }] };
    ec2mock.on(DescribeAddressesCommand, filter).resolvesOnce({ Addresses: [www1, unattached] }).resolves({ Addresses: [www1, moved] });
    ec2mock.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-0aaaa00000000002'] }).resolves({ Addresses: [moved] });
    ec2mock.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0new' });
    // Planned before the move, the record already matches (www2's server does not hold its address yet).
    r53mock.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: 'www.shelfstack.example.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '198.51.100.1' }] }], IsTruncated: false, MaxItems: 1 });
    const lines: string[] = [];
    expect(await runApply(['--yes'], io(lines))).toBe(0);
    expect(ec2mock).toHaveReceivedCommandWith(AssociateAddressCommand, { AllocationId: 'eipalloc-0aaaa00000000002', InstanceId: 'i-0a1b2c3d4e5f60008' });
    const upserts = r53mock.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input.ChangeBatch?.Changes?.[0]?.ResourceRecordSet?.ResourceRecords?.map((r) => r.Value));
    expect(upserts).toEqual([['198.51.100.1', '198.51.100.2']]);
    expect(lines.join('\n')).toContain('dns_replanned_after_address_moves');
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
