'use strict';
// The MySQL data volume, owned by the db slot: encrypted gp3, kept when the stack is deleted or
// the volume replaced, in the availability zone of the first of `subnets` (where the db launch
// template starts servers). CloudFormation cannot look up an existing subnet's zone, so a small
// custom resource (serverless/custom-resources/subnet-zone.js, inlined) asks EC2, and checks on
// the way that every subnet is in `vpc`. DLM snapshots it hourly (48 kept) and daily (30 kept).
const fs = require('node:fs');
const path = require('node:path');
const { fleetPart, param } = require('../stack-params');

const HANDLER = fs.readFileSync(path.join(__dirname, '..', 'custom-resources', 'subnet-zone.js'), 'utf8');
// CloudFormation takes at most 4096 characters of inline (ZipFile) code.
if (HANDLER.length > 4096) throw new Error(`serverless/custom-resources/subnet-zone.js is ${HANDLER.length} characters; inline code takes at most 4096`);
const arn = (service, resource) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}` });
const assume = (service) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }],
});

module.exports = fleetPart(async (p, { resolveVariable }) => {
  const cluster = await param(resolveVariable, 'cluster');
  const size = Number(await param(resolveVariable, 'dbVolumeSize'));
  if (!Number.isInteger(size) || size < 1 || size > 16384) throw new Error(`param dbVolumeSize must be a size in GiB from 1 to 16384 (got ${size})`);
  const fn = `shelfstack-${cluster}-subnet-zone`;
  const snapshotTag = { Key: 'shelfstack:snapshots', Value: `${cluster}-db` };
  return {
    Resources: {
      SubnetZoneLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/aws/lambda/${fn}`, RetentionInDays: 30 } },
      SubnetZoneRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: assume('lambda.amazonaws.com'),
          Policies: [
            {
              PolicyName: 'subnet-zone',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  // DescribeSubnets has no resource-level permissions.
                  { Sid: 'ReadSubnets', Effect: 'Allow', Action: 'ec2:DescribeSubnets', Resource: '*' },
                  { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arn('logs', `log-group:/aws/lambda/${fn}:*`) },
                ],
              },
            },
          ],
        },
      },
      SubnetZoneFunction: {
        Type: 'AWS::Lambda::Function',
        DependsOn: ['SubnetZoneLogGroup'],
        Properties: {
          FunctionName: fn,
          Description: 'CloudFormation custom resource: the availability zone of the first subnet of the stack',
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          Timeout: 30,
          Role: { 'Fn::GetAtt': ['SubnetZoneRole', 'Arn'] },
          Code: { ZipFile: HANDLER },
        },
      },
      SubnetZone: {
        Type: 'Custom::SubnetZone',
        Properties: { ServiceToken: { 'Fn::GetAtt': ['SubnetZoneFunction', 'Arn'] }, SubnetIds: p.subnets, VpcId: p.vpc },
      },
      DbVolume: {
        Type: 'AWS::EC2::Volume',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          AvailabilityZone: { 'Fn::GetAtt': ['SubnetZone', 'AvailabilityZone'] },
          VolumeType: 'gp3',
          Size: size,
          Encrypted: true,
          Tags: [
            { Key: 'Name', Value: `shelfstack-${cluster}-mysql` },
            { Key: 'shelfstack:cluster', Value: cluster },
            { Key: 'shelfstack:slot', Value: 'db' },
            snapshotTag,
          ],
        },
      },
      DbSnapshotRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: assume('dlm.amazonaws.com'),
          Policies: [
            {
              PolicyName: 'db-snapshots',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Sid: 'Describe', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeVolumes', 'ec2:DescribeSnapshots'], Resource: '*' },
                  {
                    Sid: 'SnapshotTheDbVolume',
                    Effect: 'Allow',
                    Action: 'ec2:CreateSnapshot',
                    Resource: arn('ec2', 'volume/*'),
                    Condition: { StringEquals: { [`aws:ResourceTag/${snapshotTag.Key}`]: snapshotTag.Value } },
                  },
                  { Sid: 'CreateSnapshots', Effect: 'Allow', Action: 'ec2:CreateSnapshot', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*' } },
                  { Sid: 'TagSnapshots', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*' } },
                  {
                    Sid: 'ExpireOwnSnapshots',
                    Effect: 'Allow',
                    Action: 'ec2:DeleteSnapshot',
                    Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*' },
                    Condition: { StringEquals: { [`aws:ResourceTag/${snapshotTag.Key}`]: snapshotTag.Value } },
                  },
                ],
              },
            },
          ],
        },
      },
      DbSnapshotPolicy: {
        Type: 'AWS::DLM::LifecyclePolicy',
        Properties: {
          Description: `shelfstack ${cluster}: MySQL volume hourly (48 kept) and daily (30 kept)`,
          State: 'ENABLED',
          ExecutionRoleArn: { 'Fn::GetAtt': ['DbSnapshotRole', 'Arn'] },
          PolicyDetails: {
            PolicyType: 'EBS_SNAPSHOT_MANAGEMENT',
            ResourceTypes: ['VOLUME'],
            TargetTags: [snapshotTag],
            Schedules: [
              { Name: 'hourly', CopyTags: true, CreateRule: { Interval: 1, IntervalUnit: 'HOURS' }, RetainRule: { Count: 48 } },
              { Name: 'daily', CopyTags: true, CreateRule: { Interval: 24, IntervalUnit: 'HOURS', Times: ['03:00'] }, RetainRule: { Count: 30 } },
            ],
          },
        },
      },
    },
    Outputs: { DbVolumeId: { Description: 'The MySQL data volume (db slot)', Value: { Ref: 'DbVolume' } } },
  };
});
