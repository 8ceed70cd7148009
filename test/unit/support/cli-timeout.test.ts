import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { runNode, startCli, startNode } from '../../support/cli';
import { tempDir } from '../../support/emulators';

// A process that never gets ready and ignores SIGTERM, printing its pid first.
const STUBBORN = "process.on('SIGTERM', () => {}); console.log('pid ' + process.pid); setInterval(() => {}, 1000);";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const pidIn = (message: string) => Number(/pid (\d+)/.exec(message)?.[1]);

describe('the test harness kills a CLI child that runs out of time', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('shelfstack-cli-timeout-');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('startNode: a child not ready in time is killed before the promise rejects', async () => {
    const error = await startNode(['-e', STUBBORN], 'never printed', {}, 1500).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/not ready in 1500ms \(killed\)/);
    const pid = pidIn(error!.message);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
  });

  it('runNode: a child that does not finish in time is killed before the promise rejects', async () => {
    const script = path.join(dir, 'stubborn.js');
    await writeFile(script, STUBBORN.replace("console.log('pid ' + process.pid)", "console.error('pid ' + process.pid)"));
    const error = await runNode([script], {}, 1500).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/did not finish in 1500ms \(killed\)/);
    const pid = pidIn(error!.message);
    expect(alive(pid)).toBe(false);
  });

  it('startCli: a CLI that exits before its ready line rejects at once, with its exit code', async () => {
    // `shelfstack sign` needs a key: without one it exits at once, so a ready line that never comes is an exit, not a hang.
    await expect(startCli(['sign', 'B1/a_1.mp3'], 'never printed', { SHELFSTACK_SIGNING_KEY: '' }, 20_000)).rejects.toThrow(/exited with \d+ before it was ready/);
  });
});
