import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderUnisonProfile, type UnisonProfileOptions } from '../core/unison-profile';
import { readIfExists, writeFileAtomic } from './atomic-file';
import { silentLogger, type Logger } from './logger';

export const PROFILE_NAME = 'shelfstack';

export interface ReplicationRun {
  startedAt: string;
  finishedAt: string;
  exitCode: number | null;
  ok: boolean;
  /** Unison's summary line ("Synchronization complete …"), or its last error line. */
  summary: string;
}

/** Where Unison keeps the profile and its archives (the UNISON variable points here). */
export function unisonDir(stateDir: string): string {
  return path.join(stateDir, 'unison');
}

export async function writeProfile(stateDir: string, opts: UnisonProfileOptions): Promise<string> {
  const dir = unisonDir(stateDir);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${PROFILE_NAME}.prf`);
  await writeFileAtomic(file, renderUnisonProfile(opts));
  return file;
}

/**
 * Runs Unison once with the profile and records the outcome in last-run.json (for
 * `shelfstack replication status` and monitoring). Unison's exit codes: 0 all done, 1 some files
 * skipped, 2 non-fatal failures, 3 fatal.
 */
export async function runReplication(stateDir: string, logger: Logger = silentLogger): Promise<ReplicationRun> {
  const startedAt = new Date().toISOString();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('unison', [PROFILE_NAME, '-ui', 'text'], {
      env: { ...process.env, UNISON: unisonDir(stateDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, output: text }));
  });
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const summary = lines.findLast((l) => /^Synchronization (complete|incomplete)|^Nothing to do/.test(l)) ?? lines.at(-1) ?? '';
  const run: ReplicationRun = { startedAt, finishedAt: new Date().toISOString(), exitCode: code, ok: code === 0, summary };
  await writeFile(path.join(stateDir, 'last-run.json'), `${JSON.stringify(run, null, 2)}\n`);
  logger[run.ok ? 'info' : 'error']({ ...run }, run.ok ? 'replication_done' : 'replication_failed');
  return run;
}

export async function lastRun(stateDir: string): Promise<ReplicationRun | undefined> {
  const text = await readIfExists(path.join(stateDir, 'last-run.json'));
  return text ? (JSON.parse(text) as ReplicationRun) : undefined;
}
