import { Client } from '@smithy/core/client';
import type { IamGuard, RoleRouter } from './guard';

/**
 * Routes every AWS SDK v3 call of this process through the active guard, if any. Two places, because
 * aws-sdk-client-mock replaces `send` (so middleware never runs): the SDK's base `Client#send` for
 * real clients (talking to the S3 and SQS emulators), and the stub each `mockClient` installs.
 */
let active: IamGuard | RoleRouter | undefined;
let installed = false;
const WRAPPED = Symbol('iamWrappedStub');

type Send = (this: unknown, command: never, ...rest: unknown[]) => Promise<unknown>;
type Sendable = { send: Send & { [WRAPPED]?: Send } };

export function activate(guard: IamGuard | RoleRouter | undefined): void {
  active = guard;
}

export function activeGuard(): IamGuard | RoleRouter | undefined {
  return active;
}

function guarded(send: Send): Send {
  return function (this: unknown, command: never, ...rest: unknown[]) {
    const guard = active;
    if (!guard) return send.call(this, command, ...rest);
    return guard.around(this as never, command, () => send.call(this, command, ...rest));
  };
}

export function install(): void {
  if (installed) return;
  installed = true;
  const proto = Client.prototype as unknown as Sendable;
  proto.send = guarded(proto.send);

  let mocks: { mockClient: (client: unknown, opts?: unknown) => unknown } | undefined;
  try {
    mocks = require('aws-sdk-client-mock/dist/cjs/mockClient');
  } catch {
    return; // a forked process under test has no mocks
  }
  const mockClient = mocks!.mockClient;
  mocks!.mockClient = (client: unknown, opts?: unknown) => {
    const target = ((client as Sendable).send !== undefined ? client : (client as { prototype: unknown }).prototype) as Sendable;
    // Mocking a client again: give aws-sdk-client-mock back its own stub, so it can restore it.
    if (target.send?.[WRAPPED]) target.send = target.send[WRAPPED]!;
    const stub = mockClient(client, opts);
    const sinonStub = target.send;
    target.send = Object.assign(guarded(sinonStub), { [WRAPPED]: sinonStub });
    return stub;
  };
}
