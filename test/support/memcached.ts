import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { pollUntil } from './poll';

export interface Memcached {
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

/** A real memcached on a random loopback port, as `npm test` brings it (scripts/requirements.js installs it). */
export async function startMemcached(memoryMb = 64): Promise<Memcached> {
  const port = await freePort();
  const child: ChildProcess = spawn('memcached', ['-u', 'root', '-l', '127.0.0.1', '-p', String(port), '-m', String(memoryMb)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await pollUntil(`memcached on 127.0.0.1:${port}`, () => answers(port), 10_000);
  return {
    host: '127.0.0.1',
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
