import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { ValidationError } from '../../../core/errors';
import { functionMetrics, lambda } from '../../../functions/commons/lambda';

const context = { functionName: 'shelfstack-main-dns', awsRequestId: 'req-42', functionVersion: '$LATEST', memoryLimitInMB: '256', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:shelfstack-main-dns' } as Context;

function wired(body: () => Promise<string>) {
  const lines: Record<string, unknown>[] = [];
  const metrics = functionMetrics('main', 'dns', { own: true, emit: (line) => lines.push(JSON.parse(line)) });
  const logger = new Logger({ serviceName: 'shelfstack-dns', logLevel: 'SILENT' });
  const handler = lambda(async () => {
    metrics.metrics!.addMetric('HealthyWebServers', 'Count', 2);
    return body();
  }, { logger, metrics, outcome: (r) => r });
  return { handler, lines, logger };
}

describe('the middy wiring of every function', () => {
  it('flushes the function metrics on cluster alone, then one Runs count by outcome', async () => {
    const { handler, lines } = wired(async () => 'updated');
    await handler({}, context);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'shelfstack', Dimensions: [['cluster']], Metrics: [{ Name: 'HealthyWebServers', Unit: 'Count' }] }] }, cluster: 'main', HealthyWebServers: 2 });
    expect(lines[0]).not.toHaveProperty('service');
    expect(lines[1]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'shelfstack', Dimensions: [['cluster', 'function', 'outcome']], Metrics: [{ Name: 'Runs', Unit: 'Count' }] }] },
      cluster: 'main',
      function: 'dns',
      outcome: 'updated',
      Runs: 1,
    });
  });

  it('counts a malformed event and a failure apart, flushes metrics anyway, and rethrows', async () => {
    const malformed = wired(async () => {
      throw new ValidationError('not a fleet event');
    });
    await expect(malformed.handler({}, context)).rejects.toThrow('not a fleet event');
    expect(malformed.lines.map((l) => l.outcome ?? l.HealthyWebServers)).toEqual([2, 'malformed']);
    const failed = wired(async () => {
      throw new Error('Route 53 down');
    });
    await expect(failed.handler({}, context)).rejects.toThrow('Route 53 down');
    expect(failed.lines[1]).toMatchObject({ outcome: 'failed', Runs: 1 });
  });

  it("puts the Lambda context (request id, function name, cold start) into the logger's lines", async () => {
    const { handler, logger } = wired(async () => 'ok');
    const addContext = jest.spyOn(logger, 'addContext');
    await handler({}, context);
    expect(addContext).toHaveBeenCalledWith(expect.objectContaining({ awsRequestId: 'req-42', functionName: 'shelfstack-main-dns' }));
  });

  it('runs without a context, as the local rehearsal calls it', async () => {
    const { handler, lines } = wired(async () => 'ok');
    await expect(handler({})).resolves.toBe('ok');
    expect(lines[1]).toMatchObject({ outcome: 'ok' });
  });
});
