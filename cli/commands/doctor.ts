import { defaultFleetClients } from '../ops/fleet';
import { formatResult } from '../ops/doctor/result';
import { runDoctor } from '../ops/doctor/run';
import { commandEnv, parseCommandArgs, UsageError, type Command } from '../command';

const help = `usage: shelfstack doctor [--json]

The first command to run when something is off. Checks, one line each (✓ passed, ✗ failed with
the fix, - skipped with why): the configuration (every SHELFSTACK_* variable set), credentials
and region, that S3 and SQS answer (EC2 and Route 53 too when the fleet is configured), the
bucket's notifications (chunks under audiobooks/ to the uploads queue, EventBridge on), the
uploads queue, its DLQ and the fleet failures queue, each signal queue, and on an instance its
identity, its hosts block against cluster/hosts and its listing against the manifests.
Exits 1 when a check fails, 0 otherwise. Runs with the operator's credentials; it changes nothing.

  --json   one JSON object: {"ok": boolean, "checks": [{"check", "status": "ok"|"fail"|"skip", "detail", "fix"?}]}

Needs SHELFSTACK_CLUSTER, SHELFSTACK_BUCKET and the AWS SDK's usual variables (the rehearsal's:
set -a; . .shelfstack/local.env; set +a).`;

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, false);
    if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const env = commandEnv(values.config);
    const results = await runDoctor(env, defaultFleetClients());
    const failed = results.some((r) => r.status === 'fail');
    if (values.json) console.log(JSON.stringify({ ok: !failed, checks: results }, null, 2));
    else for (const r of results) console.log(formatResult(r));
    return failed ? 1 : 0;
  },
};
