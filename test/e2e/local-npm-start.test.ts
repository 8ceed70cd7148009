import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import type { LocalInfo } from '../../cli/local/stack';
import { tempDir } from '../support/emulators';
import { pollUntil } from '../support/poll';

const ROOT = path.join(__dirname, '..', '..');

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

/** Every process whose command line names `needle`. */
function processesNaming(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}

describe.each(['SIGTERM', 'SIGINT'] as const)('npm start and %s to its own PID', (signal) => {
  it('stops within the drain deadline and leaves no process and no port behind', async () => {
    const dir = await tempDir('shelfstack-npm-start-');
    // The real npm, in a session of its own: the signal reaches npm's PID only, never a group.
    const npm = spawn('npm', ['start', '--', '--dir', dir], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npm.stdout.on('data', (c: Buffer) => (out += c.toString()));
    npm.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    try {
      await pollUntil('the rehearsal to be up', () => out.includes('shelfstack local is running'), 60_000, 200);
      const info = JSON.parse(readFileSync(path.join(dir, 'local.json'), 'utf8')) as LocalInfo;
      expect(processesNaming(dir).length).toBeGreaterThan(0);

      const t0 = Date.now();
      process.kill(npm.pid!, signal);
      await exited;
      const took = Date.now() - t0;
      expect(took).toBeLessThan(15_000);
      await pollUntil('every process of the rehearsal to be gone', () => processesNaming(dir).length === 0, 5000, 100);
      const ports: [string, number][] = [
        ['127.0.0.1', Number(new URL(info.s3.endpoint).port)],
        ['127.0.0.1', Number(new URL(info.sqs.endpoint).port)],
        ['127.0.0.1', Number(new URL(info.fleet.ec2).port)],
        ['127.0.0.1', Number(new URL(info.fleet.route53).port)],
        [info.ftp.host, info.ftp.port],
        ...Object.values(info.fleet.slots).map((s) => [s.address, s.port] as [string, number]),
        ...info.web.map((u) => [new URL(u).hostname, Number(new URL(u).port)] as [string, number]),
      ];
      for (const [host, port] of ports) expect([host, port, await refused(host, port)]).toEqual([host, port, true]);
    } finally {
      if (npm.exitCode === null) process.kill(-npm.pid!, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
