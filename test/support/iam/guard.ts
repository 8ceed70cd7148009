import path from 'node:path';
import { ServiceException } from '@smithy/core/client';
import { authorizationsFor } from './commands';
import { describeDecision, RoleEvaluator, type Authorization, type Role } from './evaluator';
import { ROOT, type Stack } from './template';
import { World } from './world';

export interface Denial {
  role: string;
  service: string;
  command: string;
  action: string;
  resource: string;
  message: string;
}

type Client = { config?: { serviceId?: string } };
type Command = { constructor: { name: string }; input?: Record<string, unknown> };

// The error each service answers an unauthorized request with (the SDK's exception name).
const DENIED_NAME: Record<string, string> = { EC2: 'UnauthorizedOperation', SSM: 'AccessDeniedException' };

export function accessDenied(service: string, message: string, name = DENIED_NAME[service] ?? 'AccessDenied'): ServiceException {
  return new ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 403 }, message });
}

const isNotFound = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
};

/**
 * Whether a call is the process under test's rather than the test harness's (seeding a bucket,
 * reading a result, making a queue): some frame of its stack, async frames included, lies in the
 * code under test (`under`: folders such as functions/ or instance/). A harness that calls cloud/
 * adapters or other parts of the code to set the scene stays unchecked.
 */
export function isUnderTest(stack: string, under: readonly string[]): boolean {
  for (const line of stack.split('\n').slice(1)) {
    const m = /((?:file:\/\/)?\/[^():]+):\d+:\d+\)?\s*$/.exec(line);
    if (!m) continue;
    const file = m[1]!.replace(/^file:\/\//, '');
    if (file.includes('/node_modules/') || !file.startsWith(ROOT)) continue;
    const rel = path.relative(ROOT, file).split(path.sep).join('/');
    if (under.some((u) => rel.startsWith(u))) return true;
  }
  return false;
}

function callStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return stack;
}

/**
 * Several processes of production in one test process (the local rehearsal): each call goes to the
 * guard of the first route whose code is on its stack; calls through none of them are the harness's.
 */
export class RoleRouter {
  constructor(readonly routes: readonly { under: string; guard: IamGuard }[]) {}

  around(client: Client, command: Command, send: () => Promise<unknown>): Promise<unknown> {
    const stack = callStack();
    const route = this.routes.find((r) => isUnderTest(stack, [r.under]));
    return route ? route.guard.check(client, command, send) : send();
  }
}

/** Authorizes every AWS call of one process (or one test file's process under test) against its role. */
export class IamGuard {
  readonly evaluator: RoleEvaluator;
  readonly world: World;
  private readonly denials: Denial[] = [];
  /** How many calls were authorized (allowed or not): a wired test whose count stays 0 checks nothing. */
  checked = 0;

  constructor(
    readonly role: Role,
    private readonly stack: Stack,
    private readonly opts: { under?: readonly string[]; onDenial?: (d: Denial) => void; onCheck?: () => void },
  ) {
    this.evaluator = new RoleEvaluator(role);
    this.world = new World(stack);
  }

  takeDenials(): Denial[] {
    return this.denials.splice(0);
  }

  private deny(d: Omit<Denial, 'role'>): void {
    const denial = { role: this.role.logicalId, ...d };
    this.denials.push(denial);
    this.opts.onDenial?.(denial);
  }

  /** Runs `send` if the role allows the command; otherwise fails it as AWS would, and records why. */
  around(client: Client, command: Command, send: () => Promise<unknown>): Promise<unknown> {
    if (this.opts.under && !isUnderTest(callStack(), this.opts.under)) return send();
    return this.check(client, command, send);
  }

  async check(client: Client, command: Command, send: () => Promise<unknown>): Promise<unknown> {
    const service = client.config?.serviceId ?? 'unknown';
    this.checked++;
    this.opts.onCheck?.();
    const name = command.constructor.name;
    const input = command.input ?? {};
    let auths: Authorization[];
    const untagged: string[] = [];
    try {
      auths = authorizationsFor(service, name, input, { region: this.stack.region, world: this.world, untagged });
    } catch (e: unknown) {
      const message = `IAM: no model of ${service} ${name} (${(e as Error).message}); add it to test/support/iam/commands.ts`;
      this.deny({ service, command: name, action: '?', resource: '?', message });
      throw new Error(message, { cause: e });
    }
    const denied = (await this.evaluator.decideAll(auths)).filter((d) => !d.allowed);
    if (denied.length) {
      const unknown = untagged.length ? `; the test world knows no tags of ${untagged.join(', ')} (no Describe answer named them)` : '';
      const message = `IAM: ${denied.map((d) => describeDecision(this.role, d)).join('; ')} (${service} ${name})${unknown}`;
      for (const d of denied) this.deny({ service, command: name, action: d.action, resource: d.resource, message });
      throw accessDenied(service, message);
    }
    let out: unknown;
    try {
      out = await send();
    } catch (e: unknown) {
      if (service === 'S3' && (name === 'GetObjectCommand' || name === 'HeadObjectCommand') && isNotFound(e)) {
        const bucket = String(input.Bucket);
        if (!(await this.evaluator.mayListBucket(bucket))) {
          const resource = `arn:aws:s3:::${bucket}`;
          const message =
            `IAM: ${this.role.logicalId} (${this.role.name}) may not s3:ListBucket on ${resource} unconditionally, so S3 answers ` +
            `${name.replace(/Command$/, '')} of the missing key ${String(input.Key)} with 403 AccessDenied, not 404`;
          this.deny({ service, command: name, action: 's3:ListBucket', resource, message });
          throw accessDenied(service, message, name === 'HeadObjectCommand' ? 'Forbidden' : 'AccessDenied');
        }
      }
      throw e;
    }
    this.world.observe(name, input, out);
    return out;
  }
}
