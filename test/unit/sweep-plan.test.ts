import { planQueueCleanup } from '../../core/sweep-plan';
import { resolveIdentity } from '../../instance/identity';

const url = (id: string) => `https://sqs.eu-west-1.amazonaws.com/123456789012/shelfstack-main-signal-${id}`;

describe('sweep planning', () => {
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
