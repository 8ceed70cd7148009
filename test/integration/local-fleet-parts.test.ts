import { createSocket } from 'node:dgram';
import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { SSMClient } from '@aws-sdk/client-ssm';
import { decode, encode } from 'dns-packet';
import { startLocalDns } from '../../cli/local/dns-server';
import { startEipForwarder } from '../../cli/local/eip-forwarder';
import { matchesPattern, rateMs, readTrigger } from '../../cli/local/fleet-triggers';
import { parseEnvFile, readUserData, withFlags } from '../../cli/local/instance-boot';
import { Kept } from '../../cli/local/kept';
import { startLocalSsm } from '../../cli/local/local-ssm';
import { readableError } from '../../cli/local/log-tee';
import { renderUserData } from '../../instance/provision/render';
import { fetchSecrets, parameterName } from '../../instance/secrets';
import { tempDir } from '../support/emulators';

function query(port: number, name: string): Promise<{ rcode: number; values: string[]; ttl?: number }> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => (s.close(), reject(new Error('no answer'))), 2000);
    s.on('message', (msg) => {
      clearTimeout(timer);
      s.close();
      const p = decode(msg);
      const answers = (p.answers ?? []) as { data: unknown; ttl?: number }[];
      resolve({ rcode: (p.flags ?? 0) & 0xf, values: answers.map((a) => String(a.data)).sort(), ttl: answers[0]?.ttl });
    });
    s.send(encode({ type: 'query', id: 1, flags: 0x0100, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
  });
}

function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host, port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

function httpServer(host: string, text: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((c) => c.end(`HTTP/1.1 200 OK\r\ncontent-length: ${text.length}\r\nconnection: close\r\n\r\n${text}`));
  return new Promise((resolve) => server.listen(port, host, () => resolve({ server, port: (server.address() as { port: number }).port })));
}

describe('the rehearsal\'s DNS server', () => {
  it('answers the record\'s members from the lookup, follows its changes, and says NXDOMAIN for other names', async () => {
    let values = ['127.0.1.1', '127.0.1.2'];
    const dns = await startLocalDns((name) => (name === 'www.shelfstack.local' ? { ttl: 5, values } : undefined));
    try {
      expect(await query(dns.port, 'www.shelfstack.local')).toEqual({ rcode: 0, values: ['127.0.1.1', '127.0.1.2'], ttl: 5 });
      values = ['127.0.1.2'];
      expect((await query(dns.port, 'WWW.shelfstack.local.')).values).toEqual(['127.0.1.2']);
      expect((await query(dns.port, 'other.shelfstack.local')).rcode).toBe(3);
    } finally {
      await dns.close();
    }
  });
});

describe('an elastic IP forwarder', () => {
  it('forwards each connection to the holder of the moment, and refuses while there is none', async () => {
    const a = await httpServer('127.0.2.201', 'from a', 0);
    // Both holders on one port, as every web instance listens on the slot port.
    const b = await httpServer('127.0.2.202', 'from b', a.port);
    let holder: string | undefined = '127.0.2.201';
    const eip = await startEipForwarder('127.0.1.201', a.port, () => holder);
    try {
      expect(await get('127.0.1.201', a.port)).toBe('from a');
      holder = '127.0.2.202';
      expect(await get('127.0.1.201', a.port)).toBe('from b');
      holder = undefined;
      await expect(get('127.0.1.201', a.port)).rejects.toThrow();
    } finally {
      await eip.close();
      a.server.close();
      b.server.close();
    }
  });
});

describe('the fleet functions\' local triggers', () => {
  it('reads each function\'s EventBridge patterns and schedules from serverless/functions, compressed', () => {
    const dns = readTrigger('dns', { cluster: 'local' }, 60);
    expect(dns.schedules).toEqual([{ rate: 'rate(1 minute)', everyMs: 1000, input: undefined }]);
    expect(dns.patterns).toHaveLength(2);
    expect(JSON.stringify(dns.patterns[1])).toContain('"shelfstack:cluster":["local"]');
    const scale = readTrigger('scale', { cluster: 'local' }, 60);
    expect(scale.schedules).toEqual([{ rate: 'rate(5 minutes)', everyMs: 5000, input: { action: 'terminate' } }]);
    expect(rateMs('rate(10 minutes)', 60)).toBe(10_000);
    expect(() => rateMs('cron(0 8 * * ? *)', 60)).toThrow(/unsupported schedule/);
  });

  it('matches events as EventBridge does: every key, any of a list, nested', () => {
    const [pattern] = readTrigger('eip', { cluster: 'local' }, 60).patterns;
    const event = (state: string) => ({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: { 'instance-id': 'i-1', state } });
    expect(matchesPattern(pattern!, event('terminated'))).toBe(true);
    expect(matchesPattern(pattern!, event('pending'))).toBe(false);
    expect(matchesPattern(pattern!, { ...event('running'), source: 'aws.tag' })).toBe(false);
    expect(matchesPattern({ detail: { 'changed-tag-keys': ['a'] } }, { detail: { 'changed-tag-keys': ['b', 'a'] } })).toBe(true);
  });
});

describe('an instance\'s boot plan', () => {
  it('comes from the launch template\'s user data: the env file and the units\' commands', () => {
    const ud = renderUserData('web', { cluster: 'local', bucket: 'shelfstack-local', region: 'us-east-1', domain: 'shelfstack.local', nodeVersion: '20.19.0', replMaster: 'ssh://replserver//srv/www-master' });
    const plan = readUserData(Buffer.from(ud).toString('base64'));
    expect(plan.env).toMatchObject({ SHELFSTACK_CLUSTER: 'local', SHELFSTACK_BUCKET: 'shelfstack-local', SHELFSTACK_CACHE_MAX_AGE: '7d' });
    expect(plan.exec['shelfstack-web.service']).toEqual(['/usr/local/bin/shelfstack', 'web', '--host', '127.0.0.1', '--port', '8080', '--x-accel-redirect', '/_cache/']);
    expect(withFlags(plan.exec['shelfstack-web.service']!, { host: '127.0.2.9', port: '4000', 'x-accel-redirect': undefined })).toEqual(['/usr/local/bin/shelfstack', 'web', '--host', '127.0.2.9', '--port', '4000']);
    expect(() => readUserData(undefined)).toThrow(/no user data/);
    expect(parseEnvFile(`A=1\nB='[{"x": "it'\\''s"}]'\n# c\n`)).toEqual({ A: '1', B: '[{"x": "it\'s"}]' });
  });
});

describe('the local SSM', () => {
  it('answers init\'s GetParameters (the real fetchSecrets) with the local secrets', async () => {
    const ssm = await startLocalSsm({ [parameterName('local', 'signing-key')]: 'local-signing-key-0123456789', [parameterName('local', 'db-password')]: 'pw' });
    const client = new SSMClient({ endpoint: ssm.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    try {
      const env = await fetchSecrets(client, 'local', ['web']);
      expect(env).toMatchObject({ SHELFSTACK_SIGNING_KEY: 'local-signing-key-0123456789', SHELFSTACK_DB_PASSWORD: 'pw' });
      await expect(fetchSecrets(client, 'other', ['web'])).rejects.toThrow(/signing-key/);
    } finally {
      client.destroy();
      await ssm.close();
    }
  });
});

describe('kept ports and key', () => {
  it('hands out the same port and key again while free, and names a busy one it replaced', async () => {
    const dir = await tempDir('shelfstack-kept-');
    const first = new Kept(dir);
    const port = await first.port('web');
    const key = first.signingKey();
    const again = new Kept(dir);
    expect(await again.port('web')).toBe(port);
    expect(again.signingKey()).toBe(key);
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', () => resolve()));
    try {
      const third = new Kept(dir);
      expect(await third.port('web')).not.toBe(port);
      expect(third.moved).toEqual([expect.stringContaining(`web: port ${port} is busy now`)]);
    } finally {
      busy.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the readable line', () => {
  it('is one line for an ERROR, nothing for the rest', () => {
    const line = JSON.stringify({ level: 'ERROR', message: 'no_healthy_web_server', timestamp: '2026-12-01T21:56:44.376Z', service: 'shelfstack-dns', sampling_rate: 0, record: 'www.shelfstack.local' });
    expect(readableError(line)).toBe('21:56:44.376 ERROR shelfstack-dns no_healthy_web_server record=www.shelfstack.local');
    expect(readableError(JSON.stringify({ level: 'INFO', message: 'x' }))).toBeUndefined();
    expect(readableError('not json')).toBeUndefined();
  });
});
