import { spawn } from 'node:child_process';
import net from 'node:net';

/** A memcached process on a random loopback port (the rehearsal's cache server; the tests' too). */
export interface MemcachedProcess {
  host: string;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.end('version\r\n'));
    s.once('data', (d) => resolve(d.toString().startsWith('VERSION')));
    s.once('error', () => resolve(false));
  });
}

export async function startMemcached(memoryMb = 64): Promise<MemcachedProcess> {
  const port = await freePort();
  // As root memcached insists on being told which user to run as.
  const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  const child = spawn('memcached', [...asRoot, '-l', '127.0.0.1', '-p', String(port), '-m', String(memoryMb)], { stdio: 'ignore' });
  let failure: Error | undefined;
  child.once('error', (e) => (failure = e));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (failure || child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`memcached did not start on 127.0.0.1:${port}${failure ? ` (${failure.message}; apt-get install memcached)` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: '127.0.0.1', port, stop };
}
