import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { HOSTS_KEY } from '../../../core/keys';
import { runInit } from '../../../instance/init';
import { tempDir, useEmulators } from '../../support/emulators';
import { useIamRole } from '../../support/iam';

/**
 * The cache server's boot under its own role as packaged (serverless/roles/instance-cache.yml: the
 * base policy and nothing more): init reads the hosts file, writes memcached's configuration from
 * the settings and creates the instance's signal queue; every AWS call it makes is authorized
 * against CacheInstanceRole, and a call the role does not allow fails this test.
 */
const emu = useEmulators('shelfstack-cache-init');
useIamRole('CacheInstanceRole', { params: { cluster: 'cachetest', bucket: 'shelfstack-cache-init' } });

let dir: string;
beforeAll(async () => {
  dir = await tempDir('shelfstack-cache-init-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('init on the cache server, under CacheInstanceRole', () => {
  it('installs the hosts block, writes memcached.conf on the private address, creates its queue; a second run changes nothing', async () => {
    await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: HOSTS_KEY, Body: '10.0.1.5 dbserver\n10.0.1.7 cacheserver\n' }));
    const memcachedConf = path.join(dir, 'memcached.conf');
    const reloads: string[] = [];
    const opts = {
      s3: emu.s3, sqs: emu.sqs, cluster: 'cachetest', bucket: emu.bucket,
      identity: { instanceId: 'i-0cache', roles: ['cache'] }, hostsFile: path.join(dir, 'hosts'), cloudInitCfg: path.join(dir, 'cloud.cfg'),
      sessions: {
        sessions: 'mysql' as const, memcached: { host: 'cacheserver', port: 11211 }, sessionsLifetime: 1440, sessionsPrefix: 'memc.sess.key.',
        memcachedMemory: 1024 ** 3, memcachedAddress: '10.0.1.7', phpConfDir: path.join(dir, 'php'), memcachedConf,
        reload: async (s: 'apache2' | 'memcached') => void reloads.push(s),
      },
    };
    const first = await runInit(opts);
    expect(await readFile(path.join(dir, 'hosts'), 'utf8')).toContain('10.0.1.7 cacheserver');
    const conf = await readFile(memcachedConf, 'utf8');
    expect(conf).toMatch(/^-l 10\.0\.1\.7$/m);
    expect(conf).toMatch(/^-m 1024$/m);
    expect(reloads).toEqual(['memcached']);
    const q = await emu.sqs.send(new GetQueueUrlCommand({ QueueName: 'shelfstack-cachetest-signal-i-0cache' }));
    expect(q.QueueUrl).toBe(first.queueUrl);
    expect((await runInit(opts)).changes).toEqual([]);
  });
});
