import { loadConfig } from '../../core/config';
import { defaultS3 } from '../../cloud/clients';
import { commandEnv, intFlag, parseCommandArgs, UsageError, type Command } from '../command';
import { createProgress, noProgress } from '../progress';
import { DEFAULT_PART_SIZE, formatImportSummary, importLibrary } from '../ops/import-library';

const help = `usage: shelfstack import DIR [--dry-run] [--force] [--concurrency N] [--part-size MB] [--quiet]

Uploads an old library, DIR/<book>/<file>.mp3, to audiobooks/<book>/<file> in SHELFSTACK_BUCKET.
Objects already in S3 with the same size and ETag are skipped, so running it again after an
interruption uploads only what is missing. A file is a chunk by the rule FTP ingest applies: in a
book-code folder, an .mp3 name S3 can hold, not empty, MPEG audio after an optional ID3v2 tag.
Anything else is rejected (one "import: rejected PATH: reason" line each on stderr, counted in the
summary) and left alone.

  --dry-run         show what would be uploaded, upload nothing
  --force           upload .mp3 files whose bytes fail the MPEG check anyway (listed as forced)
  --concurrency N   files uploaded at once (default 4)
  --part-size MB    multipart part size (default ${DEFAULT_PART_SIZE / 1024 / 1024}, at least 5)
  --quiet, -q       no progress bar or progress lines; the rejects and the summary line remain

Needs SHELFSTACK_BUCKET, AWS_REGION and AWS credentials (AWS_ENDPOINT_URL_S3 for an S3-compatible
server, as in the rehearsal's .shelfstack/local.env).`;

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
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
        force: values.force,
        progress: values.quiet ? noProgress : createProgress('import'),
        signal: abort.signal,
      });
      for (const r of summary.rejected) console.error(`import: rejected ${r.path}: ${r.reason}`);
      for (const f of summary.forced) console.error(`import: forced ${f.path}: ${f.reason} (uploaded anyway)`);
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
