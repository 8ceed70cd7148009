import { loadConfig } from '../../core/config';
import { defaultS3 } from '../../cloud/clients';
import { commandEnv, intFlag, parseCommandArgs, UsageError, type Command } from '../command';
import { createProgress, noProgress } from '../progress';
import { DEFAULT_PART_SIZE, formatImportSummary, importLibrary } from '../ops/import-library';

const help = `usage: shelfstack import DIR [--dry-run] [--concurrency N] [--part-size MB] [--quiet]

Uploads an old library, DIR/<book>/<file>.mp3, to audiobooks/<book>/<file> in SHELFSTACK_BUCKET.
Objects already in S3 with the same size and ETag are skipped, so running it again after an
interruption uploads only what is missing. Files that cannot be chunks are listed and left alone.

  --dry-run         show what would be uploaded, upload nothing
  --concurrency N   files uploaded at once (default 4)
  --part-size MB    multipart part size (default ${DEFAULT_PART_SIZE / 1024 / 1024}, at least 5)`;

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      'dry-run': { type: 'boolean' },
      concurrency: { type: 'string' },
      'part-size': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one library folder');
    const concurrency = intFlag(values.concurrency, 'concurrency', 4, 1, 64);
    // 5 MB is S3's smallest part.
    const partMb = intFlag(values['part-size'], 'part-size', DEFAULT_PART_SIZE / 1024 / 1024, 5, 5120);
    const { bucket } = loadConfig(commandEnv(values.config), ['bucket']);

    const abort = new AbortController();
    const onSignal = () => {
      console.error('\nimport: interrupted, aborting uploads in flight (run again to resume)');
      abort.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const summary = await importLibrary({
        s3: defaultS3(),
        bucket,
        dir: positionals[0]!,
        concurrency,
        partSize: Math.round(partMb * 1024 * 1024),
        dryRun: values['dry-run'],
        progress: values.quiet ? noProgress : createProgress('import'),
        signal: abort.signal,
      });
      for (const r of summary.rejected) console.error(`import: rejected ${r.path}: ${r.reason}`);
      for (const f of summary.failed) console.error(`import: failed ${f.path}: ${f.reason}`);
      console.log(formatImportSummary(summary, values['dry-run']));
      if (abort.signal.aborted) return 130;
      return summary.failed.length ? 1 : 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
