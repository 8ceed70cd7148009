'use strict';
// The newsletter rules (param scaleRules, the same JSON the scale function reads as
// SHELFSTACK_SCALE_RULES) as EventBridge Scheduler schedules: per rule, one scale-out and one drain,
// in the rule's time zone. Each schedule's input names the action and carries its own scheduled
// time, so a retried invocation still counts for the day it was meant for.
// The rules are parsed by core/scale-rules.ts itself (through tsx), so a bad rule fails the
// package with the same message the function would give.
const { loadTs } = require('../load-ts');

const pascal = (name) => name.replace(/(^|-)([a-z0-9])/g, (_, __, c) => c.toUpperCase());

module.exports = async ({ resolveVariable }) => {
  const raw = await resolveVariable('param:scaleRules');
  const { parseScaleRules } = loadTs(__filename, '../../core/scale-rules');
  let rules;
  try {
    rules = parseScaleRules(typeof raw === 'string' ? raw : JSON.stringify(raw));
  } catch (e) {
    const error = new Error(`param scaleRules (SHELFSTACK_SCALE_RULES) ${e.message}`);
    // The operator's to fix, not a bug: one line, without a stack.
    error.stack = error.message;
    throw error;
  }
  if (rules.length === 0) return { Resources: {} };

  const resources = {
    ScaleSchedulerRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'invoke-scale',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Sid: 'InvokeScale', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': ['ScaleLambdaFunction', 'Arn'] } },
                { Sid: 'FailedSchedules', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['FleetFailuresQueue', 'Arn'] } },
              ],
            },
          },
        ],
      },
    },
  };
  for (const rule of rules) {
    for (const [action, expression] of [['scale-out', rule.out], ['drain', rule.drain]]) {
      resources[`ScaleSchedule${pascal(rule.name)}${action === 'drain' ? 'Drain' : 'Out'}`] = {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Description: `shelfstack ${action} for newsletter rule ${rule.name}`,
          ScheduleExpression: expression,
          ScheduleExpressionTimezone: rule.timezone || 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: { 'Fn::GetAtt': ['ScaleLambdaFunction', 'Arn'] },
            RoleArn: { 'Fn::GetAtt': ['ScaleSchedulerRole', 'Arn'] },
            Input: JSON.stringify({ action, rule: rule.name, scheduledTime: '<aws.scheduler.scheduled-time>' }),
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['FleetFailuresQueue', 'Arn'] } },
          },
        },
      };
    }
  }
  return { Resources: resources };
};
