import { ConfigError, ValidationError } from '../core/errors';
import { explainAwsError } from './aws-errors';
import { UsageError, type Command } from './command';

/**
 * The `shelfstack` command: one module per verb under cli/commands, loaded only when used so a
 * verb never pays for another's dependencies.
 */
// require, not import(): verbs load lazily under tsx's CommonJS hook as under jest.
const COMMANDS: Record<string, { summary: string; load: () => { command: Command } }> = {
  import: { summary: 'upload a local library (<dir>/<book>/<file>.mp3) to S3', load: () => require('./commands/import') },
  listing: { summary: 'rebuild the manifests, or sync a listing directory', load: () => require('./commands/listing') },
  init: { summary: 'boot step: hosts block, listing, signal queue (cloud-init runs it)', load: () => require('./commands/init') },
  agent: { summary: "act on this instance's signals (listing, hosts, cache)", load: () => require('./commands/agent') },
  doctor: { summary: 'check the settings, credentials, endpoints, bucket, queues and this instance, naming each fix', load: () => require('./commands/doctor') },
  db: { summary: 'database backups to S3 (backup, restore, list)', load: () => require('./commands/db') },
  ftp: { summary: 'the FTP(S) ingest server, and `ftp adduser`', load: () => require('./commands/ftp') },
  provision: { summary: 'print the cloud-init user-data of a role (web, db, ftp)', load: () => require('./commands/provision') },
  replication: { summary: 'Unison replication of content with the master copy (profile, run, status)', load: () => require('./commands/replication') },
  local: { summary: 'run the whole system on this machine (npm start)', load: () => require('./commands/local') },
  plan: { summary: 'show what the fleet reconcilers would change (dry run)', load: () => require('./commands/plan') },
  dashboard: { summary: 'a live page of `status`, web cache metrics and queue depths, on loopback', load: () => require('./commands/dashboard') },
  status: { summary: 'instances, DNS, elastic IPs, hosts file and listing at a glance', load: () => require('./commands/status') },
  apply: { summary: 'apply what `plan` shows', load: () => require('./commands/apply') },
  scale: { summary: 'add, drain or remove surge web servers by hand', load: () => require('./commands/scale') },
  sessions: { summary: 'PHP sessions: status of MySQL and memcached, migrate to memcached, gc', load: () => require('./commands/sessions') },
  sign: { summary: 'print a signed download link for <book>/<file>', load: () => require('./commands/sign') },
  web: { summary: 'serve signed downloads through the S3 read-through disk cache', load: () => require('./commands/web') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([verb, c]) => `  ${verb.padEnd(width)}  ${c.summary}`);
  return `usage: shelfstack <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun \`shelfstack <command> --help\` for a command's options.\n${COMMON_OPTIONS}`;
}

/** What every verb takes (command.ts parses --config for all of them), shown under each verb's help. */
const COMMON_OPTIONS = `Every command also takes:
  --config FILE  KEY=VALUE settings added to the environment (the environment wins over the file, a flag over both)
  --help, -h     its help`;

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb) {
    console.error(usage());
    return 2;
  }
  if (verb === '--help' || verb === '-h' || verb === 'help') {
    console.log(usage());
    return 0;
  }
  const entry = COMMANDS[verb];
  if (!entry) {
    console.error(`shelfstack: unknown command "${verb}" (see shelfstack --help)`);
    return 2;
  }
  const { command } = entry.load();
  // Every verb takes --help (or -h): its help, before its own arguments are checked.
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.help}\n\n${COMMON_OPTIONS}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e: unknown) {
    if (e instanceof UsageError) {
      console.error(`shelfstack ${verb}: ${e.message} (see shelfstack ${verb} --help)`);
      return 2;
    }
    const reason = e instanceof ConfigError || e instanceof ValidationError ? e.message : (explainAwsError(e) ?? describe(e));
    console.error(`shelfstack ${verb}: ${reason}`);
    return 1;
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}${code && !e.message.includes(code) ? ` (${code})` : ''}`.split('\n')[0]!;
  }
  return String(e);
}

/** The process entry (bin/shelfstack.js): runs a verb and sets the exit code. */
export function runCli(argv: string[] = process.argv.slice(2)): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(`shelfstack: ${describe(e)}`);
      process.exitCode = 1;
    },
  );
}
