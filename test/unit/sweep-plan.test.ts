import { classifySweepEvent, planQueueCleanup } from '../../core/sweep-plan';
import { resolveIdentity } from '../../instance/identity';

const url = (id: string) => `https://sqs.eu-west-1.amazonaws.com/123456789012/shelfstack-main-signal-${id}`;

describe('sweep planning', () => {
  it('classifies the schedule, chunk events (keys taken as they are) and keys outside audiobooks/', () => {
    expect(classifySweepEvent({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })).toEqual({ kind: 'schedule' });
    const s3 = (key: string) => ({ source: 'aws.s3', 'detail-type': 'Object Deleted', detail: { bucket: { name: 'b' }, object: { key } } });
    expect(classifySweepEvent(s3('audiobooks/B1/a b+c.mp3'))).toEqual({ kind: 'invalidate', key: 'audiobooks/B1/a b+c.mp3' });
    expect(classifySweepEvent(s3('cluster/hosts'))).toMatchObject({ kind: 'ignore' });
    expect(() => classifySweepEvent({ hello: 'world' })).toThrow(/not a schedule or S3 object event/);
  });

  it('deletes only queues of EC2 ids that EC2 no longer has, and never another cluster\'s or an unverifiable one', () => {
    const urls = [url('i-0123456789abcdef0'), url('i-0123456789abcdef1'), url('local-web1'), 'https://sqs/1/shelfstack-other-signal-i-0123456789abcdef2'];
    expect(planQueueCleanup('main', urls, new Set(['i-0123456789abcdef0']))).toEqual([url('i-0123456789abcdef1')]);
  });
});

describe('instance identity', () => {
  it('takes SHELFSTACK_INSTANCE_ID and SHELFSTACK_ROLE over the metadata service, which is then never asked', async () => {
    const metadata = jest.fn();
    await expect(resolveIdentity({ SHELFSTACK_INSTANCE_ID: 'i-0abc', SHELFSTACK_ROLE: 'web,repl' }, metadata)).resolves.toEqual({ instanceId: 'i-0abc', roles: ['web', 'repl'] });
    expect(metadata).not.toHaveBeenCalled();
  });

  it('falls back to the metadata service and checks its role tag like the variable', async () => {
    await expect(resolveIdentity({}, async () => ({ instanceId: 'i-0def', role: 'db' }))).resolves.toEqual({ instanceId: 'i-0def', roles: ['db'] });
    await expect(resolveIdentity({}, async () => ({ instanceId: 'i-0def', role: 'mainframe' }))).rejects.toThrow(/SHELFSTACK_ROLE must be roles/);
  });
});
