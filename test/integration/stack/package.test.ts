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

describe('serverless package', () => {
  let full: Template;
  beforeAll(async () => {
    const res = await sls([...EXAMPLE, 'webSlots=3']);
    if (!res.template) throw new Error(`package failed: ${res.stderr}`);
    full = res.template;
  }, 120_000);

  it('builds the full stack, and it fits the CloudFormation resource specification', () => {
    expect(full.Resources.WebLaunchTemplate?.Type).toBe('AWS::EC2::LaunchTemplate');
    expect(checkTemplate(full)).toEqual([]);
  });

  it('gives eip and scale the web launch template and a reserved concurrency of 1 by default', () => {
    for (const fn of ['EipLambdaFunction', 'ScaleLambdaFunction']) {
      const props = full.Resources[fn]!.Properties as { Environment: { Variables: Record<string, unknown> }; ReservedConcurrentExecutions?: number };
      expect(props.Environment.Variables.SHELFSTACK_LAUNCH_TEMPLATE).toEqual({ Ref: 'WebLaunchTemplate' });
      expect(props.ReservedConcurrentExecutions).toBe(1);
    }
    expect(Object.keys(full.Resources).filter((id) => full.Resources[id]!.Type === 'AWS::EC2::EIP')).toEqual(['WebSlotAddress1', 'WebSlotAddress2', 'WebSlotAddress3']);
  });

  it('packages the listing pipeline alone with fleet=false', async () => {
    const { template } = await sls(['fleet=false']);
    const types = Object.values(template!.Resources).map((r) => r.Type);
    expect(types.filter((t) => t.startsWith('AWS::EC2::') || t === 'AWS::DLM::LifecyclePolicy' || t === 'AWS::Scheduler::Schedule')).toEqual([]);
    const functions = Object.keys(template!.Resources).filter((id) => template!.Resources[id]!.Type === 'AWS::Lambda::Function');
    expect(functions).toEqual(['ListingLambdaFunction']);
    expect(Object.keys(template!.Resources).filter((id) => template!.Resources[id]!.Type === 'AWS::IAM::Role')).toEqual(['ListingRole']);
    expect(checkTemplate(template)).toEqual([]);
  }, 120_000);

  it('stops on a missing fleet parameter with a line naming it', async () => {
    const res = await sls(EXAMPLE.filter((p) => !p.startsWith('ftpCidr=')));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/param ftpCidr is required with the fleet on/);
  }, 120_000);
});
