import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// `serverless package` for real (offline): the full stack with the documented example values, the
// listing pipeline alone with fleet=false, and a missing parameter. Each run costs ~10-20 s.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkTemplate } = require('../../../scripts/check-template.js') as { checkTemplate: (t: unknown) => string[] };

const run = promisify(execFile);
const root = path.join(__dirname, '../../..');
const EXAMPLE = ['vpc=vpc-0123456789abcdef0', 'subnets=subnet-0123456789abcdef0,subnet-0fedcba9876543210', 'zoneId=Z0123456789EXAMPLE', 'record=www.example.com', 'ftpCidr=203.0.113.0/24'];
type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }> };

const dirs: string[] = [];
async function sls(params: string[]): Promise<{ template?: Template; stderr: string; code: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shelfstack-package-'));
  dirs.push(dir);
  const args = ['serverless', 'package', '--package', dir, ...params.map((p) => `--param=${p}`)];
  const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
  try {
    await run('npx', args, { cwd: root, env, maxBuffer: 1 << 24 });
    return { template: JSON.parse(readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template, stderr: '', code: 0 };
  } catch (e: unknown) {
    const err = e as { stderr?: string; stdout?: string; code?: number };
    return { stderr: `${err.stdout ?? ''}${err.stderr ?? ''}`, code: err.code ?? 1 };
  }
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const BAD_RULE = JSON.stringify([{ name: 'tuesday', out: 'cron(0 6 * * TUE *)', count: 2, drain: 'cron(0 12 ? * TUE *)', timezone: 'Europe/London' }]);

describe('serverless package', () => {
  let full: Template;
  let listingOnly: Template;
  let missing: { stderr: string; code: number };
  let badRule: { stderr: string; code: number };
  // The four runs at once: the two that fail stop before bundling anything.
  beforeAll(async () => {
    const [a, b, c, d] = await Promise.all([
      sls([...EXAMPLE, 'webSlots=3']),
      sls(['fleet=false']),
      sls(EXAMPLE.filter((p) => !p.startsWith('ftpCidr='))),
      sls([...EXAMPLE, `scaleRules=${BAD_RULE}`]),
    ]);
    if (!a.template) throw new Error(`package failed: ${a.stderr}`);
    if (!b.template) throw new Error(`package with fleet=false failed: ${b.stderr}`);
    [full, listingOnly, missing, badRule] = [a.template, b.template, c, d];
  }, 180_000);

  it('builds the full stack, and it fits the CloudFormation resource specification', () => {
    expect(full.Resources.WebLaunchTemplate?.Type).toBe('AWS::EC2::LaunchTemplate');
    expect(checkTemplate(full)).toEqual([]);
  });

  it('gives eip and scale the web launch template, the subnets and the web group, and a reserved concurrency of 1 by default', () => {
    const variables = (fn: string) => (full.Resources[fn]!.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
    for (const fn of ['EipLambdaFunction', 'ScaleLambdaFunction']) {
      const props = full.Resources[fn]!.Properties as { Environment: { Variables: Record<string, unknown> }; ReservedConcurrentExecutions?: number };
      expect(props.Environment.Variables.SHELFSTACK_LAUNCH_TEMPLATE).toEqual({ Ref: 'WebLaunchTemplate' });
      expect(props.Environment.Variables.SHELFSTACK_SUBNETS).toBe('subnet-0123456789abcdef0,subnet-0fedcba9876543210');
      expect(props.Environment.Variables.SHELFSTACK_WEB_SECURITY_GROUP).toEqual({ 'Fn::GetAtt': ['WebSecurityGroup', 'GroupId'] });
      expect(props.ReservedConcurrentExecutions).toBe(1);
    }
    expect(variables('EipLambdaFunction')).toMatchObject({ SHELFSTACK_FTP_LAUNCH_TEMPLATE: { Ref: 'FtpLaunchTemplate' }, SHELFSTACK_CACHE_LAUNCH_TEMPLATE: { Ref: 'CacheLaunchTemplate' } });
    expect(variables('DbLambdaFunction').SHELFSTACK_SUBNETS).toBe('subnet-0123456789abcdef0,subnet-0fedcba9876543210');
    expect(Object.keys(full.Resources).filter((id) => full.Resources[id]!.Type === 'AWS::EC2::EIP')).toEqual(['WebSlotAddress1', 'WebSlotAddress2', 'WebSlotAddress3']);
  });

  it('holds the cache role: its group, its instance role with the base policy alone, its launch template', () => {
    const ofType = (type: string) => Object.keys(full.Resources).filter((id) => full.Resources[id]!.Type === type).sort();
    expect(ofType('AWS::EC2::LaunchTemplate')).toEqual(['CacheLaunchTemplate', 'DbLaunchTemplate', 'FtpLaunchTemplate', 'WebLaunchTemplate']);
    expect(ofType('AWS::EC2::SecurityGroup')).toEqual(['CacheSecurityGroup', 'DbSecurityGroup', 'FtpSecurityGroup', 'WebSecurityGroup']);
    const role = full.Resources.CacheInstanceRole!.Properties!;
    expect([role.ManagedPolicyArns, role.Policies]).toEqual([[{ Ref: 'InstanceBasePolicy' }], undefined]);
    expect(full.Resources.CacheInstanceProfile!.Properties!.Roles).toEqual([{ Ref: 'CacheInstanceRole' }]);
    expect(full.Resources.CacheMemcachedFromWeb!.Properties).toMatchObject({ FromPort: 11211, ToPort: 11211, SourceSecurityGroupId: { 'Fn::GetAtt': ['WebSecurityGroup', 'GroupId'] } });
  });

  it('packages the listing pipeline alone with fleet=false', () => {
    const ids = (type: string) => Object.keys(listingOnly.Resources).filter((id) => listingOnly.Resources[id]!.Type === type);
    const types = Object.values(listingOnly.Resources).map((r) => r.Type);
    expect(types.filter((t) => t.startsWith('AWS::EC2::') || t === 'AWS::DLM::LifecyclePolicy' || t === 'AWS::Scheduler::Schedule' || t === 'AWS::Events::Rule')).toEqual([]);
    expect(ids('AWS::Lambda::Function')).toEqual(['ListingLambdaFunction']);
    expect(ids('AWS::IAM::Role')).toEqual(['ListingRole']);
    expect(checkTemplate(listingOnly)).toEqual([]);
  });

  it('stops on a missing fleet parameter with one line naming it', () => {
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.split('\n').filter((l) => l.includes('param ftpCidr'))).toEqual([expect.stringMatching(/param ftpCidr is required with the fleet on/)]);
  });

  it('stops on a bad newsletter rule, naming the rule and what is wrong', () => {
    expect(badRule.code).not.toBe(0);
    expect(badRule.stderr.split('\n').filter((l) => l.includes('tuesday'))).toEqual([
      expect.stringContaining('param scaleRules (SHELFSTACK_SCALE_RULES) invalid rule "tuesday" out: cron(0 6 * * TUE *): exactly one of day-of-month (*) and day-of-week (TUE) must be ?'),
    ]);
  });
});
