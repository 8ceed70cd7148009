import { createInterface } from 'node:readline/promises';
import type { Env } from '../core/config';
import type { FleetLog } from '../functions/commons/fleet';
import { commandEnv, UsageError } from './command';
import { defaultFleetClients, loadFleetConfig, type FleetClients } from './ops/fleet';

/** What the fleet verbs touch, injectable so tests run them against mocked AWS and read their output. */
export interface FleetIo {
  clients: FleetClients;
  env: Env;
  now: () => Date;
  out: (line: string) => void;
  /** Asks the operator; false when there is no one to ask. */
  confirm: (question: string) => Promise<boolean>;
  stdinIsTty: boolean;
}

export function defaultFleetIo(env: Env): FleetIo {
  return {
    clients: defaultFleetClients(),
    env,
    now: () => new Date(),
    out: (line) => console.log(line),
    confirm: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await rl.question(question)).trim());
      } finally {
        rl.close();
      }
    },
    stdinIsTty: Boolean(process.stdin.isTTY),
  };
}

/** What apply did, one readable line per change: `done dns_record_updated record=… to=…`. */
export function printingLog(out: (line: string) => void): FleetLog {
  const line = (level: string) => (message: string, attrs: Record<string, unknown>) => {
    const kv = Object.entries(attrs)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    out(`${level} ${message}${kv ? ` ${kv}` : ''}`);
  };
  return { info: line('done'), warn: line('warning'), error: line('error') };
}

export type FleetIoFactory = (env: Env) => FleetIo;

/**
 * What every fleet verb starts from: no stray arguments, then its io over the environment and
 * `--config FILE`, the fleet settings, and one clock reading for the whole run.
 */
export function fleetContext(positionals: readonly string[], configFile: string | undefined, io: FleetIoFactory) {
  if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const ctx = io(commandEnv(configFile));
  return { ctx, cfg: loadFleetConfig(ctx.env), now: ctx.now() };
}
