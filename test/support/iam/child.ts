import { appendFileSync } from 'node:fs';
import { loadRole } from './evaluator';
import { IamGuard, RoleRouter, type Denial } from './guard';
import { activate, install } from './install';
import { Stack, type StackParams } from './template';

// The instance role a forked server process runs under, as on EC2: the command's own server role
// (`ftp` runs on the FTP server, `db` on the database server, `web` and `listing sync` on web
// servers), else the server's role tag (SHELFSTACK_ROLE) for what runs on every server (init, agent).
// Operator commands (import, listing rebuild, plan, apply, status, doctor, …) run with the operator's own
// credentials: no role of the stack, nothing to check.
const BY_COMMAND: Record<string, string> = { ftp: 'ftp', db: 'db', web: 'web', listing: 'web' };
const ROLE_OF_TAG: Record<string, string> = { web: 'WebInstanceRole', db: 'DbInstanceRole', repl: 'DbInstanceRole', ftp: 'FtpInstanceRole' };
const SERVER_COMMANDS = new Set(['web', 'agent', 'init', 'ftp', 'db', 'replication', 'local']);
const [command, sub] = process.argv.slice(2);
const isServerProcess = (command === 'listing' && sub === 'sync') || SERVER_COMMANDS.has(command ?? '');

function instanceRole(): string {
  const tag = BY_COMMAND[command ?? ''] ?? (process.env.SHELFSTACK_ROLE ?? '').split(',')[0]!.trim();
  const role = ROLE_OF_TAG[tag];
  if (!role) throw new Error(`IAM preload: no instance role for server role "${tag}" (${process.argv.slice(2).join(' ')})`);
  return role;
}

const named = process.env.SHELFSTACK_TEST_IAM_ROLE;
if (named && isServerProcess) {
  const given = JSON.parse(process.env.SHELFSTACK_TEST_IAM_PARAMS ?? '{}') as StackParams;
  // The stack that launched this server rendered its cluster and bucket into its environment (the
  // rehearsal picks its own, as the test says).
  const env = command === 'local' ? {} : Object.fromEntries(
    [['cluster', process.env.SHELFSTACK_CLUSTER], ['bucket', process.env.SHELFSTACK_BUCKET]].filter(([, v]) => v),
  ) as Record<string, string>;
  const opts = { ...given, params: { ...given.params, ...env } };
  const report = process.env.SHELFSTACK_TEST_IAM_REPORT;
  let marked = false;
  const hooks = {
    // Tells the test that this process's calls were checked at all (index.ts).
    onCheck: () => report && !marked && (marked = true) && appendFileSync(`${report}.checked`, `${process.pid}\n`),
    onDenial: (d: Denial) => {
      process.stderr.write(`${JSON.stringify({ level: 'error', event: 'iam_denied', ...d })}\n`);
      if (report) appendFileSync(report, `${JSON.stringify(d)}\n`);
    },
  };
  const stack = new Stack(opts);
  const routes = process.env.SHELFSTACK_TEST_IAM_ROUTES ? (JSON.parse(process.env.SHELFSTACK_TEST_IAM_ROUTES) as [string, string][]) : undefined;
  install();
  if (command === 'local' && routes) {
    // The rehearsal: functions and servers in one process, each call under its own role.
    const guards = new Map(routes.map(([, r]) => [r, new IamGuard(loadRole(r, opts), stack, hooks)]));
    activate(new RoleRouter(routes.map(([under, r]) => ({ under, guard: guards.get(r)! }))));
  } else {
    // In a forked process under test every call is the process's own: none is the harness's.
    const role = /InstanceRole$/.test(named) || routes ? instanceRole() : named;
    activate(new IamGuard(loadRole(role, opts), stack, hooks));
  }
}
