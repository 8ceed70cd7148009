import { loadConfig } from '../../core/config';
import { defaultS3 } from '../../cloud/clients';
import { ListingSync } from '../../instance/listing-sync';
import { createLogger } from '../../instance/logger';
import { commandEnv, intFlag, parseCommandArgs, UsageError, type Command } from '../command';
import { createProgress, noProgress } from '../progress';
import { countOf } from '../plural';
import { formatRebuildSummary, rebuildListing } from '../ops/listing-rebuild';

const help = `usage: shelfstack listing rebuild [--dry-run] [--concurrency N] [--quiet]
       shelfstack listing sync --dir DIR [--book BOOK] [--state-dir DIR] [--quiet]

rebuild  regenerate every manifest (listing/<book>.json) from audiobooks/ in S3
sync     make DIR hold exactly one zero-length file per chunk of every manifest
         (DIR defaults to SHELFSTACK_LISTING_DIR; --book syncs one book)

Needs SHELFSTACK_BUCKET and the AWS SDK's usual variables.`;

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      'dry-run': { type: 'boolean' },
      concurrency: { type: 'string' },
      dir: { type: 'string' },
      book: { type: 'string' },
      'state-dir': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    });
    const env = commandEnv(values.config);
    const [action, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected argument: ${extra[0]}`);

    if (action === 'rebuild') {
      const { bucket } = loadConfig(env, ['bucket']);
      const concurrency = intFlag(values.concurrency, 'concurrency', 16, 1, 256);
      const progress = values.quiet ? noProgress : createProgress('rebuild');
      const summary = await rebuildListing({ s3: defaultS3(), bucket, concurrency, dryRun: values['dry-run'], progress });
      console.log(formatRebuildSummary(summary, values['dry-run']));
      return 0;
    }

    if (action === 'sync') {
      if (values['dry-run']) throw new UsageError('sync has no --dry-run: it only ever changes the listing directory');
      env.SHELFSTACK_LISTING_DIR = values.dir ?? env.SHELFSTACK_LISTING_DIR;
      const { bucket, listingDir } = loadConfig(env, ['bucket', 'listingDir']);
      const progress = values.quiet ? noProgress : createProgress('sync');
      const started = Date.now();
      const sync = new ListingSync({
        s3: defaultS3(),
        bucket,
        dir: listingDir,
        stateDir: values['state-dir'],
        logger: createLogger('shelfstack-listing-sync', { level: values.quiet ? 'warn' : 'info', destination: process.stderr }),
        onProgress: (_done, total) => {
          progress.total(total);
          progress.tick();
        },
      });
      const s = values.book ? await sync.syncBook(values.book) : await sync.syncAll();
      progress.done();
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `listing sync: ${countOf(s.books, 'book')}; added ${s.added}, replaced ${s.replaced}, removed ${s.removed}, unchanged ${s.unchanged}; ` +
          `${countOf(s.listPages, 'LIST page')}, ${countOf(s.manifestGets, 'manifest GET')}${s.errors ? `, ${countOf(s.errors, 'unreadable manifest')}` : ''}; ${secs}s`,
      );
      return s.errors ? 1 : 0;
    }

    throw new UsageError(action ? `unknown action "${action}"` : 'which action: rebuild or sync?');
  },
};
