import { spawn } from 'node:child_process';
import path from 'node:path';
import { createLogger } from '../../instance/logger';
import { intFlag, parseCommandArgs, UsageError, type Command } from '../command';
import { startLocalStack } from '../local/stack';

const help = `usage: shelfstack local [--dir DIR] [--webs N] [--verbose]

Runs the whole system on this machine, on loopback only: an S3 emulator, an SQS emulator, the
control-plane functions on their local triggers, the FTP ingest server, and N web servers
(default 2), each serving signed downloads with its own cache, and a listing kept in step by its
signals agent. Writes DIR/local.json (default DIR: .shelfstack) and runs until Ctrl-C.

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
    if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const webCount = intFlag(values.webs, 'webs', 2, 1, 16);

    // The S3 emulator's continuation tokens use DES, which Node 20's OpenSSL only offers with the legacy provider.
    if (!process.execArgv.includes(LEGACY) && !(process.env.NODE_OPTIONS ?? '').includes(LEGACY)) return reexecWithLegacyProvider();

    // (In the process that runs the stack, not in the one that re-executes.) System packages the rehearsal needs beyond npm: found, installed with apt as root, or named.
    (require('../../scripts/requirements') as { ensureRequirements(purpose: 'start'): void }).ensureRequirements('start');

    const dir = path.resolve(values.dir ?? '.shelfstack');
    const logger = createLogger('shelfstack-local', { level: values.verbose ? 'info' : 'warn' });
    const stack = await startLocalStack({ dir, webCount, logger });
    const { info } = stack;
    const rel = (p: string) => path.relative(process.cwd(), p) || '.';
    console.log(`shelfstack local is running (Ctrl-C stops it)

  S3 emulator   ${info.s3.endpoint}  bucket ${info.s3.bucket}  keys ${info.s3.accessKeyId}/${info.s3.secretAccessKey}  data ${rel(path.join(dir, 's3'))}
  SQS emulator  ${info.sqs.endpoint}  queues shelfstack-local-uploads (+dlq), one signal queue per web server
  listing fn    S3 audiobooks/* -> uploads queue -> functions/listing.ts -> listing/<book>.json -> signals
${stack.webs.map((w) => `  ${w.name.padEnd(12)}  ${w.url}  listing ${rel(w.listingDir)}  (agent on the signal queue of ${w.instanceId})`).join('\n')}
  FTP ingest    ftp://${info.ftp.host}:${info.ftp.port}  user ${info.ftp.users[0]!.user} / ${info.ftp.users[0]!.password}  (upload to audiobooks/<book>/<file>.mp3)

  settings      ${rel(path.join(dir, 'local.json'))}, and ${rel(path.join(dir, 'local.env'))} for the shelfstack verbs

Try it: upload a chunk, then see it in every web server's listing:
  set -a; . ${rel(path.join(dir, 'local.env'))}; set +a
  mkdir -p /tmp/library/B0001 && head -c 100000 /dev/urandom > "/tmp/library/B0001/Red Flower_1.mp3"
  npx shelfstack import /tmp/library
  ls ${rel(path.join(stack.webs[0]!.listingDir, 'B0001'))}

Then download it with a signed link (the first request fills the cache, the next is a hit):
  curl -sS -o /tmp/red.mp3 -D - "$(npx shelfstack sign 'B0001/Red Flower_1.mp3' --base ${stack.webs[0]!.url})"`);

    // `on`, not `once`: Ctrl-C may arrive twice (from the terminal and forwarded by a parent).
    await new Promise<void>((resolve) => {
      process.on('SIGINT', () => resolve());
      process.on('SIGTERM', () => resolve());
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
    // Signals to this process (npm forwards them) are passed on; the child stops once either way.
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    process.on('SIGINT', () => child.kill('SIGINT'));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
