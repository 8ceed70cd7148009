import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  PriorRequestNotComplete,
  Route53Client,
  type Change,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { changeRecords, getARecord, withRetry, type RetryOptions } from '../../../cloud/route53';

const r53mock = mockClient(Route53Client);
const r53 = new Route53Client({});
const ZONE = 'Z0123456789ABCDEFGHIJ';

function noWait(): RetryOptions & { waits: number[] } {
  const waits: number[] = [];
  return { attempts: 4, baseMs: 100, maxMs: 1000, random: () => 0.5, sleep: async (ms) => void waits.push(ms), waits };
}

function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name}: try again`), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

const changeInfo = { ChangeInfo: { Id: '/change/C0123456789ABC', Status: 'PENDING' as const, SubmittedAt: new Date('2026-11-24T12:00:00Z') } };

beforeEach(() => r53mock.reset());

describe('Route 53 retries', () => {
  it.each([
    ['PriorRequestNotComplete', new PriorRequestNotComplete({ message: 'The request was rejected because Route 53 was still processing a prior request.', $metadata: {} })],
    ['Throttling', awsError('Throttling')],
    ['RequestLimitExceeded', awsError('RequestLimitExceeded')],
  ])('retries %s with jittered exponential backoff, then succeeds', async (_name, error) => {
    r53mock.on(ChangeResourceRecordSetsCommand).rejectsOnce(error).rejectsOnce(error).resolves(changeInfo);
    const retry = noWait();
    const ids = await changeRecords(r53, ZONE, [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'www.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '203.0.113.9' }] } }], 'test', retry);
    expect(ids).toEqual(['/change/C0123456789ABC']);
    expect(r53mock).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 3);
    expect(retry.waits).toEqual([50, 100]);
  });

  it('gives up after the last attempt with the service error', async () => {
    const retry = noWait();
    await expect(withRetry(() => Promise.reject(awsError('Throttling')), retry)).rejects.toThrow(/Throttling/);
    expect(retry.waits).toHaveLength(3);
  });

  it('does not retry other errors', async () => {
    r53mock.on(ChangeResourceRecordSetsCommand).rejects(awsError('InvalidChangeBatch'));
    const retry = noWait();
    await expect(changeRecords(r53, ZONE, [], 'x', retry)).resolves.toEqual([]);
    await expect(changeRecords(r53, ZONE, [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'a.', Type: 'A' } }], 'x', retry)).rejects.toThrow(/InvalidChangeBatch/);
    expect(r53mock).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
  });

  it('sends at most 100 changes per batch', async () => {
    r53mock.on(ChangeResourceRecordSetsCommand).resolves(changeInfo);
    const changes: Change[] = Array.from({ length: 230 }, (_, k) => ({ Action: 'UPSERT', ResourceRecordSet: { Name: `h${k}.example.`, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] } }));
    await changeRecords(r53, ZONE, changes, 'bulk', noWait());
    const sizes = r53mock.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input.ChangeBatch!.Changes!.length);
    expect(sizes).toEqual([100, 100, 30]);
  });
});

describe('getARecord', () => {
  it('reads the simple A record of the name, values sorted, and nothing for a neighbouring name', async () => {
    r53mock.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [{ Name: 'www.shelfstack.example.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '203.0.113.10' }, { Value: '203.0.113.9' }] }],
      IsTruncated: true,
      NextRecordName: 'www.shelfstack.example.',
      NextRecordType: 'AAAA',
      MaxItems: 1,
    });
    expect(await getARecord(r53, ZONE, 'WWW.shelfstack.example', noWait())).toEqual({ name: 'WWW.shelfstack.example', ttl: 300, values: ['203.0.113.9', '203.0.113.10'] });
    expect(await getARecord(r53, ZONE, 'shop.shelfstack.example.', noWait())).toBeUndefined();
    expect(r53mock).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, { HostedZoneId: ZONE, StartRecordName: 'shop.shelfstack.example.', StartRecordType: 'A', MaxItems: 1 });
  });
});
