import { appendFileSync } from 'node:fs';
import { loadRole } from './evaluator';
import { IamGuard } from './guard';
import { activate, install } from './install';
import { Stack, type StackParams } from './template';

// The instance role a forked server process runs under, as on EC2: the command's own server role
// (`ftp` runs on the FTP server, `db` on the database server, `web` and `listing` on web servers),
// else the server's role tag (SHELFSTACK_ROLE) for what runs on every server (init, agent).
const BY_COMMAND: Record<string, string> = { ftp: 'ftp', db: 'db', web: 'web', listing: 'web' };
const ROLE_OF_TAG: Record<string, string> = { web: 'WebInstanceRole', db: 'DbInstanceRole', repl: 'DbInstanceRole', ftp: 'FtpInstanceRole' };

function instanceRole(): string {
  const tag = BY_COMMAND[process.argv[2] ?? ''] ?? (process.env.SHELFSTACK_ROLE ?? '').split(',')[0]!.trim();
  const role = ROLE_OF_TAG[tag];
  if (!role) throw new Error(`IAM preload: no instance role for server role "${tag}" (${process.argv.slice(2).join(' ')})`);
  return role;
}

// In a forked process under test every call is the process's own: none is the harness's.
const named = process.env.SHELFSTACK_TEST_IAM_ROLE;
if (named) {
  const role = /InstanceRole$/.test(named) ? instanceRole() : named;
  const given = JSON.parse(process.env.SHELFSTACK_TEST_IAM_PARAMS ?? '{}') as StackParams;
  // The stack that launched this server rendered its cluster and bucket into its environment.
  const env = Object.fromEntries(
    [['cluster', process.env.SHELFSTACK_CLUSTER], ['bucket', process.env.SHELFSTACK_BUCKET]].filter(([, v]) => v),
  ) as Record<string, string>;
  const opts = { ...given, params: { ...given.params, ...env } };
  const report = process.env.SHELFSTACK_TEST_IAM_REPORT;
  let marked = false;
  install();
  activate(
    new IamGuard(loadRole(role, opts), new Stack(opts), {
      // Tells the test that this process's calls were checked at all (index.ts).
      onCheck: () => report && !marked && (marked = true) && appendFileSync(`${report}.checked`, `${process.pid}\n`),
      onDenial: (d) => {
        process.stderr.write(`${JSON.stringify({ level: 'error', event: 'iam_denied', ...d })}\n`);
        if (report) appendFileSync(report, `${JSON.stringify(d)}\n`);
      },
    }),
  );
}
