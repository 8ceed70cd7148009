import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * The stack's CloudFormation resources as `serverless package` would build them, read from the same
 * serverless.yml and the files it includes, with every variable and intrinsic function resolved to
 * a realistic value for one test account and region. Anything it cannot resolve throws: a role the
 * tests cannot read exactly is a role they cannot vouch for.
 */
export const ROOT = path.join(__dirname, '../../..');
export const ACCOUNT = '123456789012';
export const PARTITION = 'aws';

export class UnresolvedTemplateError extends Error {
  override name = 'UnresolvedTemplateError';
}

export interface StackParams {
  /** Overrides of serverless.yml's params.default (cluster, bucket, zoneId, record, …). */
  params?: Record<string, string>;
  /** Physical ids of resources by logical id (a launch template's `lt-…`), where tests use fixed ones. */
  refs?: Record<string, string>;
  /** Names of resources by logical id (a launch template's LaunchTemplateName), where tests use them. */
  names?: Record<string, string>;
  region?: string;
  stage?: string;
  /** Resource files read over the packaged ones (a role as it once was, to show what it let through). */
  resourceFiles?: string[];
}

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
}

// Resources that other engineers' files create under the agreed logical ids (contracts.md, 2): known
// by type so that a role may reference them before those files are merged into this tree.
const CONTRACT_RESOURCES: Record<string, Resource> = {
  WebLaunchTemplate: { Type: 'AWS::EC2::LaunchTemplate' },
  DbLaunchTemplate: { Type: 'AWS::EC2::LaunchTemplate' },
  FtpLaunchTemplate: { Type: 'AWS::EC2::LaunchTemplate' },
  CacheLaunchTemplate: { Type: 'AWS::EC2::LaunchTemplate' },
};

const readYaml = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, Json>;

/** A fixed-looking physical id for a logical id (`lt-0` + 16 hex digits), stable across runs. */
export function physicalId(prefix: string, logicalId: string): string {
  let h = 0x811c9dc5;
  for (const c of logicalId) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return `${prefix}-0${h.toString(16).padStart(8, '0')}${((h ^ 0xa5a5a5a5) >>> 0).toString(16).padStart(8, '0')}`.slice(0, prefix.length + 18);
}

export class Stack {
  readonly region: string;
  readonly stage: string;
  private readonly sls: Record<string, Json>;
  private readonly params: Record<string, string>;
  private readonly refs: Record<string, string>;
  readonly names: Record<string, string>;
  readonly resources: Record<string, Resource> = {};

  constructor(opts: StackParams = {}) {
    this.sls = readYaml('serverless.yml');
    this.region = opts.region ?? process.env.AWS_REGION ?? 'us-east-1';
    this.stage = opts.stage ?? 'dev';
    this.refs = opts.refs ?? {};
    this.names = opts.names ?? {};
    const defaults = ((this.sls.params as Record<string, Json>)?.default ?? {}) as Record<string, Json>;
    this.params = { ...Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, String(v)])), ...opts.params };
    for (const entry of this.sls.resources as Json[]) {
      const m = /^\$\{file\((.+)\)\}$/.exec(String(entry));
      if (!m) throw new UnresolvedTemplateError(`serverless.yml resources: expected \${file(...)}, got ${JSON.stringify(entry)}`);
      // JavaScript parts (the scale schedules) build resources no role references.
      if (!m[1]!.endsWith('.yml')) continue;
      Object.assign(this.resources, (readYaml(m[1]!).Resources ?? {}) as unknown as Record<string, Resource>);
    }
    for (const f of opts.resourceFiles ?? []) Object.assign(this.resources, (readYaml(f).Resources ?? {}) as unknown as Record<string, Resource>);
    for (const [id, r] of Object.entries(CONTRACT_RESOURCES)) this.resources[id] ??= r;
  }

  param(name: string): string {
    const raw = this.params[name];
    if (raw === undefined) throw new UnresolvedTemplateError(`\${param:${name}} is not a parameter of serverless.yml`);
    return this.vars(raw);
  }

  /** Serverless variables in a string: ${param:x}, ${self:a.b}, ${sls:stage}, ${opt:region, 'x'}. */
  vars(s: string): string {
    let out = s;
    for (let guard = 0; guard < 20; guard++) {
      const next = out.replace(/\$\{((?:param|self|sls|opt|env):[^${}]*)\}/, (_, expr: string) => this.variable(expr));
      if (next === out) break;
      out = next;
    }
    const left = /\$\{(?:param|self|sls|opt|env|file|ssm|cf|s3):[^}]*\}/.exec(out);
    if (left) throw new UnresolvedTemplateError(`cannot resolve ${left[0]} in ${s}`);
    return out;
  }

  private variable(expr: string): string {
    const [ref, fallback] = expr.split(/,\s*/, 2) as [string, string | undefined];
    const [source, name] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
    if (source === 'param') return this.param(name);
    if (source === 'sls' && name === 'stage') return this.stage;
    if (source === 'opt' && name === 'region') return this.region;
    if (source === 'opt' && name === 'stage') return this.stage;
    if (source === 'self') {
      if (name === 'provider.region') return this.region;
      let v: Json | undefined = this.sls;
      for (const part of name.split('.')) v = (v as Record<string, Json> | undefined)?.[part];
      if (typeof v === 'string' || typeof v === 'number') return this.vars(String(v));
    }
    if (fallback !== undefined && /^'.*'$/.test(fallback)) return fallback.slice(1, -1);
    throw new UnresolvedTemplateError(`cannot resolve \${${expr}}`);
  }

  /** A template value with variables and intrinsics (Ref, Fn::GetAtt, Fn::Sub, Fn::Join) resolved. */
  resolve(v: Json): Json {
    if (typeof v === 'string') return this.vars(v);
    if (Array.isArray(v)) return v.map((x) => this.resolve(x));
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return this.intrinsic(keys[0]!, v[keys[0]!]!);
    return Object.fromEntries(keys.map((k) => [this.vars(k), this.resolve(v[k]!)]));
  }

  private intrinsic(fn: string, arg: Json): string {
    if (fn === 'Ref') return this.ref(String(arg));
    if (fn === 'Fn::GetAtt') {
      const [id, attr] = (Array.isArray(arg) ? arg : String(arg).split('.')) as [string, string];
      return this.getAtt(id, attr);
    }
    if (fn === 'Fn::Sub') {
      const [tpl, locals] = Array.isArray(arg) ? [String(arg[0]), (arg[1] ?? {}) as Record<string, Json>] : [String(arg), {}];
      const text = this.vars(tpl);
      return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
        if (name in locals) return String(this.resolve(locals[name]!));
        if (name.includes('.')) return this.getAtt(name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1));
        return this.ref(name);
      });
    }
    if (fn === 'Fn::Join' && Array.isArray(arg)) {
      return (this.resolve(arg[1]!) as Json[]).map(String).join(String(arg[0]));
    }
    throw new UnresolvedTemplateError(`${fn} is not modelled by test/support/iam/template.ts`);
  }

  private resource(id: string): Resource {
    const r = this.resources[id];
    if (!r) throw new UnresolvedTemplateError(`no resource ${id} in the stack`);
    return r;
  }

  ref(id: string): string {
    if (id === 'AWS::Region') return this.region;
    if (id === 'AWS::AccountId') return ACCOUNT;
    if (id === 'AWS::Partition') return PARTITION;
    if (id === 'AWS::URLSuffix') return 'amazonaws.com';
    if (id === 'AWS::StackName') return `shelfstack-${this.stage}`;
    if (this.refs[id]) return this.refs[id]!;
    const r = this.resource(id);
    switch (r.Type) {
      case 'AWS::EC2::LaunchTemplate':
        return physicalId('lt', id);
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.region}.amazonaws.com/${ACCOUNT}/${this.queueName(id)}`;
      case 'AWS::IAM::Role':
        return this.roleName(id);
      case 'AWS::IAM::InstanceProfile':
        return r.Properties?.InstanceProfileName ? String(this.resolve(r.Properties.InstanceProfileName)) : `shelfstack-${this.stage}-${id}`;
      case 'AWS::S3::Bucket':
        return String(this.resolve(r.Properties?.BucketName ?? `shelfstack-${this.stage}-${id.toLowerCase()}`));
      default:
        throw new UnresolvedTemplateError(`Ref ${id} (${r.Type}) is not modelled by test/support/iam/template.ts`);
    }
  }

  private queueName(id: string): string {
    const name = this.resource(id).Properties?.QueueName;
    return name ? String(this.resolve(name)) : `shelfstack-${this.stage}-${id}`;
  }

  roleName(id: string): string {
    const name = this.resource(id).Properties?.RoleName;
    return name ? String(this.resolve(name)) : `shelfstack-${this.stage}-${id}`;
  }

  getAtt(id: string, attr: string): string {
    const r = this.resource(id);
    if (attr !== 'Arn') throw new UnresolvedTemplateError(`Fn::GetAtt ${id}.${attr} is not modelled`);
    if (r.Type === 'AWS::SQS::Queue') return `arn:${PARTITION}:sqs:${this.region}:${ACCOUNT}:${this.queueName(id)}`;
    if (r.Type === 'AWS::IAM::Role') return `arn:${PARTITION}:iam::${ACCOUNT}:role/${this.roleName(id)}`;
    if (r.Type === 'AWS::IAM::InstanceProfile') return `arn:${PARTITION}:iam::${ACCOUNT}:instance-profile/${this.ref(id)}`;
    if (r.Type === 'AWS::S3::Bucket') return `arn:${PARTITION}:s3:::${this.ref(id)}`;
    throw new UnresolvedTemplateError(`Fn::GetAtt ${id}.Arn of a ${r.Type} is not modelled`);
  }
}
