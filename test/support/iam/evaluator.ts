import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, PARTITION, Stack, UnresolvedTemplateError, type StackParams } from './template';

/** One authorization AWS makes for a request: an action on a resource with the request's context keys. */
export interface Authorization {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

export interface Decision extends Authorization {
  allowed: boolean;
  result: string;
}

export interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Role {
  logicalId: string;
  name: string;
  arn: string;
  policies: { name: string; policy: PolicyDocument }[];
}

/** A role as the stack packages it: its inline policies, resolved for the test account and region. */
export function loadRole(logicalId: string, opts: StackParams = {}): Role {
  const stack = new Stack(opts);
  const r = stack.resources[logicalId];
  if (!r) throw new UnresolvedTemplateError(`no role ${logicalId} in serverless.yml's resources`);
  if (r.Type !== 'AWS::IAM::Role') throw new UnresolvedTemplateError(`${logicalId} is a ${r.Type}, not an AWS::IAM::Role`);
  const policies = ((r.Properties?.Policies ?? []) as unknown[]).map((p) => {
    const resolved = stack.resolve(p as never) as unknown as { PolicyName: string; PolicyDocument: PolicyDocument };
    return { name: resolved.PolicyName, policy: resolved.PolicyDocument };
  });
  // Managed policies of the stack itself (Ref: X); AWS-managed ones are not modelled.
  for (const arn of (r.Properties?.ManagedPolicyArns ?? []) as { Ref?: string }[]) {
    const m = arn?.Ref ? stack.resources[arn.Ref] : undefined;
    if (!m || m.Type !== 'AWS::IAM::ManagedPolicy') {
      throw new UnresolvedTemplateError(`${logicalId}: managed policy ${JSON.stringify(arn)} is not one of the stack's; only those are modelled`);
    }
    policies.push({ name: arn.Ref!, policy: stack.resolve(m.Properties!.PolicyDocument!) as unknown as PolicyDocument });
  }
  const name = stack.roleName(logicalId);
  return { logicalId, name, arn: `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`, policies };
}

/** Evaluates requests against one role's identity policies with AWS's evaluation logic. */
export class RoleEvaluator {
  constructor(readonly role: Role) {}

  async decide(auth: Authorization): Promise<Decision> {
    const res = await runSimulation(
      {
        identityPolicies: this.role.policies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action: auth.action,
          principal: this.role.arn,
          resource: { resource: auth.resource, accountId: ACCOUNT },
          contextVariables: auth.context ?? {},
        },
      },
      {},
    );
    if (res.resultType === 'error') {
      throw new Error(`IAM simulation of ${auth.action} on ${auth.resource} failed: ${JSON.stringify(res.errors)}`);
    }
    return { ...auth, allowed: res.overallResult === 'Allowed', result: res.overallResult };
  }

  /** Every authorization of one request; the request is allowed only if all are. */
  async decideAll(auths: readonly Authorization[]): Promise<Decision[]> {
    return Promise.all(auths.map((a) => this.decide(a)));
  }

  /**
   * S3's rule for a missing key: 404 only to a caller that may list the bucket. The GetObject or
   * HeadObject request carries none of ListBucket's keys (s3:prefix, …), so a ListBucket that is
   * conditioned on them does not count.
   */
  async mayListBucket(bucket: string): Promise<boolean> {
    return (await this.decide({ action: 's3:ListBucket', resource: `arn:${PARTITION}:s3:::${bucket}` })).allowed;
  }
}

export function describeDecision(role: Role, d: Authorization): string {
  const ctx = d.context && Object.keys(d.context).length ? ` with ${JSON.stringify(d.context)}` : '';
  return `${role.logicalId} (${role.name}) may not ${d.action} on ${d.resource}${ctx}`;
}
