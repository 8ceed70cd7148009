import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readlink, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * How a web server's listing directory holds its books so that a replaced book is never absent and
 * never half there: `<dir>/<book>` is a symlink to a complete, versioned folder of zero-length
 * files, `<stateDir>/books/<book>.<version>/`, and a replacement builds the new folder, then renames
 * a new symlink over the old one (one atomic rename(2)). A reader of `<dir>/<book>/<file>` (stat,
 * access, readdir all follow the link) sees the old set or the new one. A folder no link names any
 * more stays where it is for `graceMs` (a reader that resolved the old link may still be walking
 * it), then goes. A plain folder from before (or put there by hand) is migrated on the first run:
 * that takes two renames, the one moment a book is absent, once.
 */
export type BookEntry = { kind: 'link' | 'folder' | 'other'; files: string[] };

const NOT_A_FOLDER = '\u0000not-a-folder';

export class BookSwap {
  private readonly dir: string;
  private readonly versions: string;
  private readonly retired: string;
  private readonly staging: string;

  constructor(dir: string, stateDir: string, private readonly graceMs: number) {
    this.dir = path.resolve(dir);
    this.versions = path.join(stateDir, 'books');
    this.retired = path.join(stateDir, 'retired');
    this.staging = path.join(stateDir, 'staging');
  }

  /** Clears a crashed run's leftovers and makes the folders. */
  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await rm(this.staging, { recursive: true, force: true });
    await Promise.all([this.staging, this.versions, this.retired].map((d) => mkdir(d, { recursive: true })));
  }

  /** What `<dir>/<book>` is now, and the names it holds; undefined when there is no such entry. */
  async read(book: string): Promise<BookEntry | undefined> {
    const p = path.join(this.dir, book);
    const st = await lstat(p).catch((e: unknown) => (isMissing(e) ? undefined : Promise.reject(e)));
    if (!st) return undefined;
    if (!st.isSymbolicLink() && !st.isDirectory()) return { kind: 'other', files: [NOT_A_FOLDER] };
    const files = await readdir(p).catch((e: unknown) => (isMissing(e) || isNotDir(e) ? [NOT_A_FOLDER] : Promise.reject(e)));
    return { kind: st.isSymbolicLink() ? 'link' : 'folder', files };
  }

  async readAll(): Promise<Map<string, BookEntry>> {
    const out = new Map<string, BookEntry>();
    for (const name of await readdir(this.dir)) {
      const entry = await this.read(name);
      if (entry) out.set(name, entry);
    }
    return out;
  }

  /** Puts the book in with exactly these files: a new folder, then one rename of a new link over the old entry. */
  async put(book: string, files: readonly string[]): Promise<void> {
    const version = path.join(this.versions, `${book}.${randomBytes(6).toString('hex')}`);
    await mkdir(version);
    await Promise.all(files.map(async (f) => (await open(path.join(version, f), 'w')).close()));
    const link = path.join(this.staging, `${path.basename(version)}.link`);
    await symlink(path.relative(this.dir, version), link);
    const target = path.join(this.dir, book);
    const old = await lstat(target).catch((e: unknown) => (isMissing(e) ? undefined : Promise.reject(e)));
    // rename(2) cannot put a link over a real folder: move the folder aside first (a migration).
    if (old?.isDirectory()) await this.retireFolder(book);
    await rename(link, target);
  }

  /** Takes the book out: its link (or plain folder, or stray file) goes; its folder follows after the grace. */
  async remove(book: string): Promise<void> {
    const target = path.join(this.dir, book);
    const st = await lstat(target).catch((e: unknown) => (isMissing(e) ? undefined : Promise.reject(e)));
    if (!st) return;
    if (st.isDirectory()) await this.retireFolder(book);
    else await unlink(target);
  }

  /**
   * Marks the versioned folders no link in `<dir>` names with the time they were first found so,
   * and deletes those marked at least `graceMs` ago.
   */
  async collect(now = Date.now()): Promise<void> {
    const live = new Set<string>();
    for (const name of await readdir(this.dir)) {
      const to = await readlink(path.join(this.dir, name)).catch(() => undefined);
      if (to !== undefined) live.add(path.resolve(this.dir, to));
    }
    const marks = new Map<string, number>();
    for (const m of await readdir(this.retired)) {
      const at = /^(\d+)\.(.+)$/.exec(m);
      if (at) marks.set(at[2]!, Number(at[1]));
    }
    for (const v of await readdir(this.versions)) {
      const mark = marks.get(v);
      if (live.has(path.join(this.versions, v))) {
        if (mark !== undefined) await rm(path.join(this.retired, `${mark}.${v}`), { force: true });
        continue;
      }
      if (mark === undefined) {
        await writeFile(path.join(this.retired, `${now}.${v}`), '');
        if (this.graceMs > 0) continue;
      } else if (now - mark < this.graceMs) continue;
      await rm(path.join(this.versions, v), { recursive: true, force: true });
      await rm(path.join(this.retired, `${mark ?? now}.${v}`), { force: true });
    }
    const versions = new Set(await readdir(this.versions));
    for (const [v, at] of marks) if (!versions.has(v)) await rm(path.join(this.retired, `${at}.${v}`), { force: true });
  }

  private async retireFolder(book: string): Promise<void> {
    await rename(path.join(this.dir, book), path.join(this.versions, `${book}.plain-${randomBytes(6).toString('hex')}`));
  }
}

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';
const isNotDir = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOTDIR';
