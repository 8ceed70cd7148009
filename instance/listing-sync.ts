import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { assertBook, formatManifestKey, MANIFEST_PREFIX, parseManifestKey } from '../core/keys';
import { bareEtag, parseManifest } from '../core/manifest';
import { planListingSync, type ListingSyncPlan } from '../core/listing-sync-plan';
import { getText, listPages } from '../cloud/s3';
import { silentLogger, type Logger } from './logger';

/**
 * Keeps a web server's listing directory (one zero-length file per chunk, one folder per book)
 * equal to the manifests in S3. The directory is the truth of what is there; the state file
 * outside it only remembers which manifest ETag gave which files, to skip GETs.
 */
export interface ListingSyncOptions {
  s3: S3Client;
  bucket: string;
  dir: string;
  /** Where the sync keeps its state and builds books before swapping them in; must be on D's filesystem. */
  stateDir?: string;
  logger?: Logger;
  onProgress?: (done: number, total: number) => void;
  /** Keys per LIST page (S3's maximum, 1000, unless a test wants many pages). */
  pageSize?: number;
}

export interface SyncSummary {
  books: number;
  added: number;
  replaced: number;
  removed: number;
  unchanged: number;
  manifestGets: number;
  listPages: number;
  errors: number;
}

interface SyncState {
  version: 1;
  books: Record<string, { etag: string; files: string[] }>;
}

export function defaultStateDir(dir: string): string {
  const abs = path.resolve(dir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.shelfstack-sync`);
}

export class ListingSync {
  private readonly stateDir: string;
  private readonly staging: string;
  private readonly statePath: string;
  private readonly logger: Logger;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ListingSyncOptions) {
    this.stateDir = opts.stateDir ?? defaultStateDir(opts.dir);
    this.staging = path.join(this.stateDir, 'staging');
    this.statePath = path.join(this.stateDir, 'state.json');
    this.logger = opts.logger ?? silentLogger;
  }

  /** Brings the whole directory in step: ~N/1000 LIST requests plus a GET per changed manifest. */
  syncAll(): Promise<SyncSummary> {
    return this.serialised(() => this.run(undefined));
  }

  /** Brings one book in step: one GET of its manifest. */
  syncBook(book: string): Promise<SyncSummary> {
    assertBook(book);
    return this.serialised(() => this.run(book));
  }

  // Syncs in one process never overlap; a second one waits for the first.
  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async run(onlyBook: string | undefined): Promise<SyncSummary> {
    const { s3, bucket, dir } = this.opts;
    await mkdir(dir, { recursive: true });
    await rm(this.staging, { recursive: true, force: true }); // leftovers of a crashed run
    await mkdir(this.staging, { recursive: true });
    const state = await this.loadState();
    const summary: SyncSummary = { books: 0, added: 0, replaced: 0, removed: 0, unchanged: 0, manifestGets: 0, listPages: 0, errors: 0 };

    const remoteEtags = new Map<string, string>();
    if (onlyBook === undefined) {
      for await (const page of listPages(s3, bucket, MANIFEST_PREFIX, { pageSize: this.opts.pageSize })) {
        summary.listPages++;
        for (const o of page) {
          const book = tryBook(o.key);
          if (book) remoteEtags.set(book, bareEtag(o.etag));
        }
      }
    }

    const desired = new Map<string, string[]>();
    const fresh: SyncState = { version: 1, books: onlyBook === undefined ? {} : { ...state.books } };
    const fetchBook = async (book: string, knownEtag?: string) => {
      const cached = state.books[book];
      if (knownEtag !== undefined && cached?.etag === knownEtag) return cached;
      summary.manifestGets++;
      const obj = await getText(s3, bucket, formatManifestKey(book));
      if (!obj) return undefined;
      const files = parseManifest(obj.text, book).chunks.map((c) => c.file);
      return { etag: bareEtag(obj.etag), files };
    };

    const books = onlyBook === undefined ? [...remoteEtags.keys()] : [onlyBook];
    for (const book of books) {
      try {
        const entry = await fetchBook(book, remoteEtags.get(book));
        if (entry) {
          desired.set(book, entry.files);
          fresh.books[book] = entry;
        } else {
          delete fresh.books[book];
        }
      } catch (e: unknown) {
        // A manifest we cannot read leaves that book's folder as it is, rather than emptying it.
        summary.errors++;
        this.logger.error({ book, reason: (e as Error).message }, 'listing_manifest_unreadable');
        const have = await readBook(dir, book);
        if (have) desired.set(book, have);
      }
    }

    const observed = await readListing(dir, onlyBook);
    const plan = planListingSync(desired, observed, onlyBook === undefined ? undefined : new Set([onlyBook]));
    summary.books = desired.size;
    summary.unchanged = plan.unchanged;
    await this.apply(plan, observed, summary);
    await this.saveState(fresh);
    return summary;
  }

  private async apply(plan: ListingSyncPlan, observed: ReadonlyMap<string, unknown>, summary: SyncSummary): Promise<void> {
    const total = plan.put.length + plan.remove.length;
    let done = 0;
    for (const { book, files } of plan.put) {
      await this.swapIn(book, files, observed.has(book));
      if (observed.has(book)) summary.replaced++;
      else summary.added++;
      this.logger.info({ book, chunks: files.length }, 'listing_book_synced');
      this.opts.onProgress?.(++done, total);
    }
    for (const book of plan.remove) {
      await this.swapOut(book);
      summary.removed++;
      this.logger.info({ book }, 'listing_book_removed');
      this.opts.onProgress?.(++done, total);
    }
  }

  /** Builds the book beside the listing, then renames it in: a reader sees the old book or the new one, never half. */
  private async swapIn(book: string, files: string[], replacing: boolean): Promise<void> {
    const built = path.join(this.staging, `${book}.${randomBytes(4).toString('hex')}`);
    await mkdir(built);
    await Promise.all(files.map(async (f) => (await open(path.join(built, f), 'w')).close()));
    const target = path.join(this.opts.dir, book);
    if (replacing) await this.swapOut(book);
    await rename(built, target);
  }

  private async swapOut(book: string): Promise<void> {
    const trash = path.join(this.staging, `trash.${book}.${randomBytes(4).toString('hex')}`);
    try {
      await rename(path.join(this.opts.dir, book), trash);
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return;
    }
    await rm(trash, { recursive: true, force: true });
  }

  private async loadState(): Promise<SyncState> {
    try {
      const raw = JSON.parse(await readFile(this.statePath, 'utf8')) as SyncState;
      if (raw.version === 1 && typeof raw.books === 'object') return raw;
    } catch {
      // No state, or unreadable state: it only saves GETs, so start without it.
    }
    return { version: 1, books: {} };
  }

  private async saveState(state: SyncState): Promise<void> {
    const tmp = `${this.statePath}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(state));
    await rename(tmp, this.statePath);
  }
}

function tryBook(manifestKey: string): string | undefined {
  try {
    return parseManifestKey(manifestKey);
  } catch {
    return undefined;
  }
}

async function readBook(dir: string, book: string): Promise<string[] | undefined> {
  try {
    return await readdir(path.join(dir, book));
  } catch {
    return undefined;
  }
}

/** What the listing directory holds now: every folder and its file names; stray non-folders count as books to remove. */
async function readListing(dir: string, onlyBook?: string): Promise<Map<string, string[]>> {
  const observed = new Map<string, string[]>();
  if (onlyBook !== undefined) {
    const files = await readBook(dir, onlyBook);
    if (files) observed.set(onlyBook, files);
    return observed;
  }
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    observed.set(entry.name, entry.isDirectory() ? await readdir(path.join(dir, entry.name)) : ['\u0000not-a-folder']);
  }
  return observed;
}
