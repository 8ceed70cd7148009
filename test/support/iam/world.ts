import { UnresolvedTemplateError, type Stack } from './template';

type Tag = { Key?: string; Value?: string };
type Tagged = { Tags?: Tag[] };
const tagMap = (tags: Tag[] | undefined) => Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));

export interface LaunchTemplate {
  id: string;
  logicalId: string;
  /** The name of the role of the template's instance profile: what a launch passes. */
  instanceRole: string;
}

// Launch templates with no instance profile in this tree yet are read by the agreed convention
// (contracts.md, 2): <Role>LaunchTemplate launches with <Role>InstanceProfile, whose role is <Role>InstanceRole.
const profileRoleOf = (stack: Stack, logicalId: string): string => {
  const lt = stack.resources[logicalId]?.Properties?.LaunchTemplateData as { IamInstanceProfile?: Record<string, unknown> } | undefined;
  const ref = lt?.IamInstanceProfile?.Arn ?? lt?.IamInstanceProfile?.Name;
  let profile = logicalId.replace(/LaunchTemplate$/, 'InstanceProfile');
  if (ref && typeof ref === 'object') {
    const r = ref as { Ref?: string; 'Fn::GetAtt'?: string[] | string };
    const att = r['Fn::GetAtt'];
    profile = r.Ref ?? (typeof att === 'string' ? att.split('.')[0] : att?.[0]) ?? profile;
  }
  const roles = stack.resources[profile]?.Properties?.Roles as ({ Ref?: string } | string)[] | undefined;
  const role = roles && typeof roles[0] === 'object' ? roles[0].Ref : logicalId.replace(/LaunchTemplate$/, 'InstanceRole');
  if (!role || !stack.resources[role]) throw new UnresolvedTemplateError(`${logicalId}: its instance profile's role ${role} is not in the stack`);
  return stack.roleName(role);
};

/**
 * The resources as the test world holds them: tags of instances, addresses and volumes learnt from
 * the answers the process got (DescribeInstances, DescribeAddresses, …) and kept up to date by its
 * own tag writes, so that `aws:ResourceTag/…` is what AWS would see. Also the stack's launch
 * templates with the parts a launch from them touches.
 */
export class World {
  readonly tags = new Map<string, Record<string, string>>();
  readonly subnet = 'subnet-0a1b2c3d4e5f60001';
  readonly securityGroup = 'sg-0a1b2c3d4e5f60001';
  readonly image = 'ami-0a1b2c3d4e5f60001';
  readonly snapshot = 'snap-0a1b2c3d4e5f60001';

  constructor(private readonly stack: Stack) {}

  launchTemplate(spec: { LaunchTemplateId?: string; LaunchTemplateName?: string } | undefined): LaunchTemplate {
    for (const [logicalId, r] of Object.entries(this.stack.resources)) {
      if (r.Type !== 'AWS::EC2::LaunchTemplate') continue;
      const id = this.stack.ref(logicalId);
      const name = r.Properties?.LaunchTemplateName ? String(this.stack.resolve(r.Properties.LaunchTemplateName)) : this.stack.names[logicalId];
      if (spec?.LaunchTemplateId === id || (name && spec?.LaunchTemplateName === name)) {
        return { id, logicalId, instanceRole: profileRoleOf(this.stack, logicalId) };
      }
    }
    throw new Error(`RunInstances from launch template ${JSON.stringify(spec)}: not one of the stack's (pass refs: { WebLaunchTemplate: '<id>' } to useIamRole)`);
  }

  resourceTags(id: string): Record<string, string> | undefined {
    return this.tags.get(id);
  }

  /** Learns from an answer the process received. */
  observe(command: string, input: Record<string, unknown>, output: unknown): void {
    const out = (output ?? {}) as Record<string, unknown>;
    const learn = (id: string | undefined, item: Tagged) => id && this.tags.set(id, tagMap(item.Tags));
    if (command === 'DescribeInstancesCommand') {
      for (const r of (out.Reservations ?? []) as { Instances?: (Tagged & { InstanceId?: string })[] }[]) {
        for (const i of r.Instances ?? []) learn(i.InstanceId, i);
      }
    } else if (command === 'RunInstancesCommand') {
      for (const i of (out.Instances ?? []) as (Tagged & { InstanceId?: string })[]) learn(i.InstanceId, i);
    } else if (command === 'DescribeAddressesCommand') {
      for (const a of (out.Addresses ?? []) as (Tagged & { AllocationId?: string })[]) learn(a.AllocationId, a);
    } else if (command === 'DescribeVolumesCommand') {
      for (const v of (out.Volumes ?? []) as (Tagged & { VolumeId?: string })[]) learn(v.VolumeId, v);
    } else if (command === 'CreateTagsCommand' || command === 'DeleteTagsCommand') {
      for (const id of (input.Resources ?? []) as string[]) {
        const now = { ...this.tags.get(id) };
        const given = (input.Tags ?? []) as Tag[];
        if (command === 'CreateTagsCommand') Object.assign(now, tagMap(given));
        else if (given.length) for (const t of given) delete now[t.Key!];
        else for (const k of Object.keys(now)) delete now[k];
        this.tags.set(id, now);
      }
    }
  }
}
