import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** The file's text, or undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Replaces a file so that a reader sees the old content or the new, never part: a temp file in the
 * same directory (same filesystem, so rename is atomic), flushed, given the old file's mode, renamed over.
 */
export async function writeFileAtomic(file: string, text: string, defaultMode = 0o644): Promise<void> {
  let mode = defaultMode;
  try {
    mode = (await stat(file)).mode & 0o7777;
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(text);
      await handle.chmod(mode); // the umask may have narrowed it at creation
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (e: unknown) {
    await rm(tmp, { force: true });
    throw e;
  }
}
