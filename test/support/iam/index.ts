import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadRole } from './evaluator';
import { IamGuard, RoleRouter, type Denial } from './guard';
import { activate, install } from './install';
import { Stack, type StackParams } from './template';

export { loadRole, RoleEvaluator } from './evaluator';
export type { Denial } from './guard';

export const PRELOAD = path.join(__dirname, 'preload.js');

/** Where the local rehearsal's calls come from, and the role each has in production (first match wins). */
export const REHEARSAL_ROUTES: [under: string, role: string][] = [
  ['functions/listing.ts', 'ListingRole'],
  ['functions/sweep.ts', 'SweepRole'],
  ['instance/ftp/', 'FtpInstanceRole'],
  ['instance/', 'WebInstanceRole'],
];

export interface IamHandle {
  /** The denials recorded so far (in this process and its children), cleared: for tests that expect some. */
  takeDenials(): Denial[];
  /** Environment for a forked process under another role than the file's. */
  env(role: string, opts?: StackParams): NodeJS.ProcessEnv;
}

export interface IamOptions extends StackParams {
  /** The folders of the code under test; by default functions/ for a function's role, instance/ and cli/ for an instance role. */
  under?: string[];
}

type Options = IamOptions | (() => IamOptions);

/**
 * Puts the process under test in this test file under its packaged role: every AWS call it makes,
 * in this process (real or mocked clients) and in the processes it forks (a --require preload through
 * NODE_OPTIONS), is authorized against `role` as serverless.yml packages it. The harness's own calls
 * (calls that do not pass through the code under test, see isUnderTest) stay unchecked. A denial
 * fails the test that made it.
 */
export function useIamRole(role: string, opts: Options = {}): IamHandle {
  return setup(role, opts, undefined, (o) => {
    const under = o.under ?? (/InstanceRole$/.test(role) ? ['instance/', 'cli/'] : ['functions/']);
    const guard = new IamGuard(loadRole(role, o), new Stack(o), { under });
    return { active: guard, guards: [guard] };
  });
}

/**
 * Several production processes in this test process (the local rehearsal): each call is authorized
 * against the role of the first route (a file or folder, in order) whose code is on its stack.
 */
export function useIamRoles(routes: [under: string, role: string][], opts: Options = {}): IamHandle {
  return setup(routes[0]![1], opts, routes, (o) => {
    const stack = new Stack(o);
    const byRole = new Map(routes.map(([, role]) => [role, new IamGuard(loadRole(role, o), stack, {})]));
    return { active: new RoleRouter(routes.map(([under, role]) => ({ under, guard: byRole.get(role)! }))), guards: [...byRole.values()] };
  });
}

function setup(role: string, opts: Options, routes: [string, string][] | undefined, build: (o: IamOptions) => { active: IamGuard | RoleRouter; guards: IamGuard[] }): IamHandle {
  install();
  let guards: IamGuard[] = [];
  let dir: string | undefined;
  const saved: NodeJS.ProcessEnv = {};
  const report = () => path.join(dir!, 'denials.jsonl');
  const params = () => (typeof opts === 'function' ? opts() : opts);
  const env = (r: string, o: StackParams = params()): NodeJS.ProcessEnv => ({
    NODE_OPTIONS: [process.env.NODE_OPTIONS?.replace(`--require ${PRELOAD}`, '').trim(), `--require ${PRELOAD}`].filter(Boolean).join(' '),
    SHELFSTACK_TEST_IAM_ROLE: r,
    SHELFSTACK_TEST_IAM_PARAMS: JSON.stringify(o),
    SHELFSTACK_TEST_IAM_REPORT: report(),
    ...(routes ? { SHELFSTACK_TEST_IAM_ROUTES: JSON.stringify(routes) } : {}),
  });
  const childDenials = (): Denial[] => {
    let text = '';
    try {
      text = readFileSync(report(), 'utf8');
      rmSync(report());
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Denial);
  };
  const take = () => [...guards.flatMap((g) => g.takeDenials()), ...childDenials()];

  beforeAll(() => {
    const o = params();
    const built = build(o);
    guards = built.guards;
    activate(built.active);
    dir = mkdtempSync(path.join(os.tmpdir(), 'shelfstack-iam-'));
    for (const [k, v] of Object.entries(env(role, o))) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterEach(() => {
    const denials = take();
    if (denials.length) throw new Error(`AWS would refuse ${denials.length} call(s) of the process under test:\n${denials.map((d) => d.message).join('\n')}`);
  });
  afterAll(() => {
    activate(undefined);
    // A wired file in which nothing was checked (in this process or a child) proves nothing: the
    // wiring is wrong (a role for code that runs elsewhere, or `under` missing the code under test).
    const checkedNothing = guards.length > 0 && guards.every((g) => g.checked === 0) && !existsSync(`${report()}.checked`);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (checkedNothing) throw new Error(`useIamRole('${role}'): no AWS call of the process under test was checked in this file`);
  });
  return { takeDenials: take, env };
}
