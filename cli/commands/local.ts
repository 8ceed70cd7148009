import { spawn } from 'node:child_process';
import path from 'node:path';
import { createLogger } from '../../instance/logger';
import { intFlag, parseCommandArgs, UsageError, type Command } from '../command';
import type { Invocation } from '../local/fleet-triggers';
import { teeJsonLines } from '../local/log-tee';
import { runDrill } from '../local/drill-run';
import { COMPRESS, LOCAL_FLEET_SETTINGS } from '../local/fleet';
import { startLocalStack } from '../local/stack';

const help = `usage: shelfstack local [--dir DIR] [--webs N] [--verbose]
       shelfstack local kill|stop SLOT|db [--dir DIR]
       shelfstack local newsletter [--dir DIR]

Runs the whole system on this machine, on loopback only: an S3 emulator, an SQS emulator, the
control-plane functions on their local triggers, the FTP ingest server, and N web servers
(default 2), each serving signed downloads with its own cache, and a listing kept in step by its
signals agent. Writes DIR/local.json (default DIR: .shelfstack) and runs until Ctrl-C.

Drills, against the running rehearsal: kill terminates the slot's instance (www1, www2, db),
stop stops it, newsletter runs the surge rule (scale out, drain, terminate after TTL + grace).
Each prints its timeline until the fleet has healed with no other step.

  --verbose   log every component's JSON lines to stdout (always in DIR/logs/rehearsal.log)`;

const LEGACY = '--openssl-legacy-provider';
const DRILLS = ['kill', 'stop', 'newsletter'];

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      dir: { type: 'string' },
      webs: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
    });
    const [drill, slot, extra] = positionals;
    if (drill !== undefined) {
      if (!DRILLS.includes(drill) || extra !== undefined || (drill === 'newsletter') !== (slot === undefined)) throw new UsageError(`usage: shelfstack local kill|stop SLOT|db, or shelfstack local newsletter`);
      const dir = path.resolve(values.dir ?? '.shelfstack');
      // The scale function's own JSON lines only with --verbose: the drill prints its timeline.
      if (!values.verbose) process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
      console.log(`shelfstack local ${positionals.join(' ')}:`);
      await runDrill(dir, drill as 'kill' | 'stop' | 'newsletter', slot, (line) => console.log(line));
      return 0;
    }
    const webCount = intFlag(values.webs, 'webs', 2, 1, 16);

    // The S3 emulator's continuation tokens use DES, which Node 20's OpenSSL only offers with the legacy provider.
    if (!process.execArgv.includes(LEGACY) && !(process.env.NODE_OPTIONS ?? '').includes(LEGACY)) return reexecWithLegacyProvider();

    // (In the process that runs the stack, not in the one that re-executes.) System packages the rehearsal needs beyond npm: found, installed with apt as root, or named.
    (require('../../scripts/requirements') as { ensureRequirements(purpose: 'start'): void }).ensureRequirements('start');

    const dir = path.resolve(values.dir ?? '.shelfstack');
    // Every JSON line (the functions', the rehearsal's) into DIR/logs/rehearsal.log; on the terminal
    // only with --verbose, else one readable line per invocation and per error.
    const untee = teeJsonLines(dir, !!values.verbose);
    const logger = createLogger('shelfstack-local', { level: 'info', destination: process.stdout });
    const started = Date.now();
    const stack = await startLocalStack({ dir, webCount, logger, onInvocation: (i) => {
        // Scheduled runs that went well come every second or so: on the terminal only with --verbose.
        if (values.verbose || i.error || !i.trigger.startsWith('schedule')) console.log(invocationLine(i));
      } });
    const { info } = stack;
    const rel = (p: string) => path.relative(process.cwd(), p) || '.';
    const { fleet } = stack;
    const schedules = fleet.triggers.map((t) => `${t.fn} ${t.schedules.map((x) => `${x.rate} -> every ${x.everyMs / 1000} s`).join(', ')}`).join('; ');
    console.log(`shelfstack local is running, up in ${((Date.now() - started) / 1000).toFixed(1)} s (Ctrl-C stops it)

  S3 emulator   ${info.s3.endpoint}  bucket ${info.s3.bucket}  keys ${info.s3.accessKeyId}/${info.s3.secretAccessKey}  data ${rel(path.join(dir, 's3'))}
  SQS emulator  ${info.sqs.endpoint}  queues shelfstack-local-uploads (+dlq), one signal queue per instance
  listing fn    S3 audiobooks/* -> uploads queue -> functions/listing.ts -> listing/<book>.json -> signals
  EC2, Route 53 ${info.fleet.ec2}, ${info.fleet.route53}  zone ${info.fleet.zoneId}  state ${rel(path.join(dir, 'fleet'))}
  fleet fns     hosts, dns, eip, scale, db on the emulator's events; schedules compressed ${COMPRESS}x: ${schedules}
  DNS           dig @${info.fleet.dns.host} -p ${info.fleet.dns.port} ${info.fleet.record}  (TTL ${LOCAL_FLEET_SETTINGS.ttl} s)
${stack.webs.map((w) => `  ${w.name.padEnd(12)}  elastic IP ${w.eipUrl} -> ${w.instanceId} ${w.url}  listing ${rel(w.listingDir)}`).join('\n')}
  FTP ingest    ftp://${info.ftp.host}:${info.ftp.port}  user ${info.ftp.users[0]!.user} / ${info.ftp.users[0]!.password}  (upload to audiobooks/<book>/<file>.mp3)

  settings      ${rel(path.join(dir, 'local.json'))}, and ${rel(path.join(dir, 'local.env'))} for the shelfstack verbs; logs in ${rel(path.join(dir, 'logs'))}
${kept(stack)}
Try it: upload a chunk, then see it in every web server's listing:
  set -a; . ${rel(path.join(dir, 'local.env'))}; set +a
  mkdir -p /tmp/library/B0001 && { printf '\\377\\373\\220\\144'; head -c 100000 /dev/urandom; } > "/tmp/library/B0001/Red Flower_1.mp3"
  npx shelfstack import /tmp/library      # a chunk is an MPEG frame header, then anything; or over FTP:
  curl -sS --ftp-create-dirs -T "/tmp/library/B0001/Red Flower_1.mp3" "ftp://${info.ftp.users[0]!.user}:${info.ftp.users[0]!.password}@${info.ftp.host}:${info.ftp.port}/audiobooks/B0001/Red%20Flower_1.mp3"
  ls ${rel(path.join(stack.webs[0]!.listingDir, 'B0001'))}

Then download it with a signed link through www1's elastic IP (the first request fills the cache):
  curl -sS -o /tmp/red.mp3 -D - "$(npx shelfstack sign 'B0001/Red Flower_1.mp3' --base ${stack.webs[0]!.eipUrl})"

Drills (each heals with no other step): npx shelfstack local kill www2 | stop db | newsletter`);

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
    untee();
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

/** One readable line per fleet function invocation: time, function, trigger, outcome. */
function invocationLine(i: Invocation): string {
  const time = new Date().toISOString().slice(11, 23);
  return `${time} ${i.fn.padEnd(5)} ${i.error ? `FAILED ${i.error.name}: ${i.error.message}` : 'ok'} (${i.ms} ms) on ${i.trigger}`;
}

function kept(stack: { kept: string[] }): string {
  return stack.kept.length ? `${stack.kept.map((m) => `  note          ${m}`).join('\n')}\n` : '';
}
