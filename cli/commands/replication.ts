import path from 'node:path';
import { loadConfig, type Env } from '../../core/config';
import { createLogger } from '../../instance/logger';
import { lastRun, runReplication, writeProfile } from '../../instance/replication';
import { commandEnv, parseCommandArgs, UsageError, type Command } from '../command';

const help = `usage: shelfstack replication profile|run|status

profile  writes the Unison profile: SHELFSTACK_REPL_ROOTS (default samples,podcasts,images) under
         SHELFSTACK_REPL_LOCAL_BASE (default /var/www) against SHELFSTACK_REPL_MASTER
         (e.g. ssh://replserver//srv/www-master); prefer = newer, batch, logging
run      writes the profile, runs Unison once, records the outcome (the systemd timer runs this)
status   the last run: when, exit code, Unison's summary (exit 1 when it failed or never ran)

State (profile, archives, last-run.json, unison.log) lives in SHELFSTACK_REPL_STATE_DIR.`;

function profileOptions(env: Env) {
  const c = loadConfig(env, ['replMaster', 'replRoots', 'replLocalBase', 'replStateDir']);
  return {
    stateDir: c.replStateDir,
    profile: {
      localBase: c.replLocalBase,
      master: c.replMaster,
      paths: c.replRoots.split(',').map((p) => p.trim()).filter(Boolean),
      logFile: path.join(c.replStateDir, 'unison.log'),
    },
  };
}

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {});
    const env = commandEnv(values.config);
    const [action, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected argument: ${extra[0]}`);

    if (action === 'profile' || action === 'run') {
      const { stateDir, profile } = profileOptions(env);
      const file = await writeProfile(stateDir, profile);
      if (action === 'profile') {
        console.log(`replication profile: ${file}`);
        return 0;
      }
      const run = await runReplication(stateDir, createLogger('shelfstack-replication'));
      console.log(`replication run: ${run.ok ? 'ok' : `failed (exit ${run.exitCode})`}: ${run.summary}`);
      return run.ok ? 0 : 1;
    }
    if (action === 'status') {
      const { replStateDir } = loadConfig(env, ['replStateDir']);
      const run = await lastRun(replStateDir);
      if (!run) {
        console.log('replication status: never run');
        return 1;
      }
      console.log(`replication status: ${run.ok ? 'ok' : `FAILED (exit ${run.exitCode})`}; last run ${run.startedAt} to ${run.finishedAt}; ${run.summary}`);
      return run.ok ? 0 : 1;
    }
    throw new UsageError(action ? `unknown action "${action}"` : 'which action: profile, run or status?');
  },
};
