import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { assertBook, formatManifestKey, MANIFEST_PREFIX, parseManifestKey } from '../core/keys';
import { bareEtag, parseManifest } from '../core/manifest';
import { planListingSync, type ListingSyncPlan } from '../core/listing-sync-plan';
import { getText, listPages } from '../cloud/s3';
import { BookSwap, type BookEntry } from './listing-swap';
import { silentLogger, type Logger } from './logger';

/**
 * Keeps a web server's listing directory (one zero-length file per chunk, one folder per book:
 * `<dir>/<book>/<file>`) equal to the manifests in S3. Each `<dir>/<book>` is a symlink to a
 * versioned folder in the state directory, swapped whole (listing-swap.ts). The directory is the
 * truth of what is there; the state file outside it only remembers which manifest ETag gave which
 * files, to skip GETs.
 */
export interface ListingSyncOptions {
  s3: S3Client;
  bucket: string;
  dir: string;
  /** Where the sync keeps its state and the books' versioned folders; must be on D's filesystem. */
  stateDir?: string;
  /** How long a replaced book's folder stays for readers that resolved the old link (60 s). */
  graceMs?: number;
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
  private readonly books: BookSwap;
  private readonly statePath: string;
  private readonly logger: Logger;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ListingSyncOptions) {
    this.stateDir = opts.stateDir ?? defaultStateDir(opts.dir);
    this.books = new BookSwap(opts.dir, this.stateDir, opts.graceMs ?? 60_000);
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
    const { s3, bucket } = this.opts;
    await this.books.prepare(); // clears leftovers of a crashed run
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
        const have = await this.books.read(book);
        if (have) desired.set(book, have.files);
      }
    }

    const observed = await this.observe(onlyBook);
    const observedFiles = new Map([...observed].map(([book, e]) => [book, e.files]));
    const plan = planListingSync(desired, observedFiles, onlyBook === undefined ? undefined : new Set([onlyBook]));
    summary.books = desired.size;
    summary.unchanged = plan.unchanged;
    await this.apply(plan, observed, summary);
    await this.migrate(desired, observed, plan, summary);
    await this.books.collect();
    await this.saveState(fresh);
    return summary;
  }

  private async apply(plan: ListingSyncPlan, observed: ReadonlyMap<string, BookEntry>, summary: SyncSummary): Promise<void> {
    const total = plan.put.length + plan.remove.length;
    let done = 0;
    for (const { book, files } of plan.put) {
      await this.books.put(book, files);
      if (observed.has(book)) summary.replaced++;
      else summary.added++;
      this.logger.info({ book, chunks: files.length }, 'listing_book_synced');
      this.opts.onProgress?.(++done, total);
    }
    for (const book of plan.remove) {
      await this.books.remove(book);
      summary.removed++;
      this.logger.info({ book }, 'listing_book_removed');
      this.opts.onProgress?.(++done, total);
    }
  }

  /** A book still a plain folder (a listing from before the links, or one made by hand) becomes a link, once. */
  private async migrate(desired: ReadonlyMap<string, string[]>, observed: ReadonlyMap<string, BookEntry>, plan: ListingSyncPlan, summary: SyncSummary): Promise<void> {
    const handled = new Set([...plan.put.map((p) => p.book), ...plan.remove]);
    for (const [book, entry] of observed) {
      const files = desired.get(book);
      if (entry.kind !== 'folder' || handled.has(book) || !files) continue;
      await this.books.put(book, files);
      summary.unchanged--;
      summary.replaced++;
      this.logger.info({ book, chunks: files.length }, 'listing_book_migrated');
    }
  }

  private async observe(onlyBook: string | undefined): Promise<Map<string, BookEntry>> {
    if (onlyBook === undefined) return this.books.readAll();
    const entry = await this.books.read(onlyBook);
    return new Map(entry ? [[onlyBook, entry]] : []);
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
