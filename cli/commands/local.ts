import { spawn } from 'node:child_process';
import path from 'node:path';
import { createLogger } from '../../instance/logger';
import { parseCommandArgs, UsageError, type Command } from '../command';
import { startLocalStack } from '../local/stack';

const help = `usage: shelfstack local [--dir DIR] [--webs N] [--verbose]

Runs the whole system on this machine, on loopback only: an S3 emulator, an SQS emulator, the
control-plane functions on their local triggers, and N web servers (default 2), each serving
signed downloads with its own cache and a listing kept in step by signals. Writes DIR/local.json (default DIR: .shelfstack) and runs until Ctrl-C.

  --verbose   log every component's JSON lines to stdout`;

const LEGACY = '--openssl-legacy-provider';

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      dir: { type: 'string' },
      webs: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
    });
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const webCount = Number(values.webs ?? 2);
    if (!Number.isInteger(webCount) || webCount < 1 || webCount > 16) throw new UsageError('--webs must be from 1 to 16');

    // The S3 emulator's continuation tokens use DES, which Node 20's OpenSSL only offers with the legacy provider.
    if (!process.execArgv.includes(LEGACY) && !(process.env.NODE_OPTIONS ?? '').includes(LEGACY)) return reexecWithLegacyProvider();

    const dir = path.resolve(values.dir ?? '.shelfstack');
    const logger = createLogger('shelfstack-local', { level: values.verbose ? 'info' : 'warn' });
    const stack = await startLocalStack({ dir, webCount, logger });
    const { info } = stack;
    const rel = (p: string) => path.relative(process.cwd(), p) || '.';
    console.log(`shelfstack local is running (Ctrl-C stops it)

  S3 emulator   ${info.s3.endpoint}  bucket ${info.s3.bucket}  keys ${info.s3.accessKeyId}/${info.s3.secretAccessKey}  data ${rel(path.join(dir, 's3'))}
  SQS emulator  ${info.sqs.endpoint}  queues shelfstack-local-uploads (+dlq), one signal queue per web server
  listing fn    S3 audiobooks/* -> uploads queue -> functions/listing.ts -> listing/<book>.json -> signals
${stack.webs.map((w) => `  ${w.name.padEnd(12)}  ${w.url}  listing ${rel(w.listingDir)}  (signal queue of ${w.instanceId})`).join('\n')}

  settings      ${rel(path.join(dir, 'local.json'))}, and ${rel(path.join(dir, 'local.env'))} for the shelfstack verbs

Try it: upload a chunk, then see it in every web server's listing:
  set -a; . ${rel(path.join(dir, 'local.env'))}; set +a
  mkdir -p /tmp/library/B0001 && head -c 100000 /dev/urandom > "/tmp/library/B0001/Red Flower_1.mp3"
  npx shelfstack import /tmp/library
  ls ${rel(path.join(stack.webs[0]!.listingDir, 'B0001'))}

Then download it with a signed link (the first request fills the cache, the next is a hit):
  curl -sS -o /tmp/red.mp3 -D - "$(npx shelfstack sign 'B0001/Red Flower_1.mp3' --base ${stack.webs[0]!.url})"`);

    await new Promise<void>((resolve) => {
      const onSignal = () => resolve();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
    console.log('\nshelfstack local: stopping');
    const deadline = setTimeout(() => {
      console.error('shelfstack local: did not stop within 10s, exiting');
      process.exit(1);
    }, 10_000);
    deadline.unref();
    await stack.stop();
    logger.flush();
    return 0;
  },
};

function reexecWithLegacyProvider(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, LEGACY].filter(Boolean).join(' ') },
    });
    // Ctrl-C reaches the child through the terminal's process group; a plain kill is passed on.
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    process.on('SIGTERM', forward('SIGTERM'));
    process.on('SIGINT', () => undefined);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
