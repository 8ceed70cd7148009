import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../../../core/errors';
import { readIfExists, writeFileAtomic } from '../../../instance/atomic-file';

/** Where an interrupted `sessions migrate` resumes: the last id copied, and the migration's start. */
export interface Checkpoint {
  version: 1;
  /** Which table and memcached this is about (no password): a checkpoint never resumes elsewhere. */
  target: string;
  startedAt: number;
  phase: 'copy' | 'catch-up' | 'done';
  /** The last session id whose page is wholly in memcached. */
  lastId?: string;
  copied: number;
  bytes: number;
}

export class CheckpointError extends ValidationError {
  override name = 'CheckpointError';
}

export async function readCheckpoint(file: string): Promise<Checkpoint | undefined> {
  const text = await readIfExists(file);
  if (text === undefined) return undefined;
  try {
    const cp = JSON.parse(text) as Checkpoint;
    if (cp.version !== 1 || typeof cp.target !== 'string' || !Number.isFinite(cp.startedAt)) throw new Error('not a checkpoint');
    return cp;
  } catch (e: unknown) {
    throw new CheckpointError(`${file} is not a sessions checkpoint (remove it, or pass --restart)`, { cause: e });
  }
}

export async function writeCheckpoint(file: string, cp: Checkpoint): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(cp)}\n`, 0o600);
}
