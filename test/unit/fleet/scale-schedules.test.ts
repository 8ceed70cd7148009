import path from 'node:path';

type Generator = (ctx: { resolveVariable: (v: string) => Promise<unknown> }) => Promise<{ Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }>;
// The serverless resource file is plain CommonJS, loaded by the framework at package time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const generate = require(path.join(__dirname, '../../../serverless/resources/scale-schedules.js')) as Generator;

const rules = '[{"name":"tuesday-newsletter","out":"cron(0 6 ? * TUE *)","count":3,"drain":"cron(0 12 ? * TUE *)","timezone":"Europe/London"}]';
const withParam = (value: string) => ({ resolveVariable: async (v: string) => (v === 'param:scaleRules' ? value : undefined) });

describe('serverless scale schedules', () => {
  it('turns each rule into a scale-out and a drain schedule in its time zone whose input names the action', async () => {
    const { Resources } = await generate(withParam(rules));
    const out = Resources.ScaleScheduleTuesdayNewsletterOut!;
    const drain = Resources.ScaleScheduleTuesdayNewsletterDrain!;
    expect(out.Type).toBe('AWS::Scheduler::Schedule');
    expect(out.Properties).toMatchObject({ ScheduleExpression: 'cron(0 6 ? * TUE *)', ScheduleExpressionTimezone: 'Europe/London' });
    expect(JSON.parse((out.Properties.Target as { Input: string }).Input)).toEqual({
      action: 'scale-out',
      rule: 'tuesday-newsletter',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    expect(JSON.parse((drain.Properties.Target as { Input: string }).Input)).toMatchObject({ action: 'drain', rule: 'tuesday-newsletter' });
    expect(Resources.ScaleSchedulerRole?.Type).toBe('AWS::IAM::Role');
  });

  it('creates nothing without rules and fails the package on a bad rule, naming the parameter', async () => {
    expect(await generate(withParam('[]'))).toEqual({ Resources: {} });
    await expect(generate(withParam('[{"name":"x","count":0}]'))).rejects.toThrow(/param scaleRules \(SHELFSTACK_SCALE_RULES\) invalid rule "x" out:/);
  });
});
