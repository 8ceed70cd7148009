import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseConfigFile, type Env } from '../core/config';

/** One verb of the `shelfstack` command. `run` returns the exit code. */
export interface Command {
  help: string;
  run(argv: string[]): Promise<number>;
}

/** Bad arguments: one line with a pointer to the command's --help, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a verb's arguments with node:util parseArgs. Every verb takes --config FILE (--help is
 * answered before a verb runs, in main.ts); an unknown flag is a UsageError.
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({
      args: negativeValues(argv, options),
      options: { ...options, config: { type: 'string' } },
      allowPositionals,
      strict: true,
    });
  } catch (e: unknown) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
}

/**
 * `--ttl -5` as `--ttl=-5`: parseArgs takes a value starting with a dash for an option and says
 * "argument is ambiguous"; a number is a value, and the flag's own check says what is wrong with it.
 */
function negativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.startsWith('--') ? argv[i]!.slice(2) : undefined;
    const next = argv[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(argv[i]!);
  }
  return out;
}

/**
 * The environment a command runs with: the process environment over the `--config FILE` keys
 * (the file adds to the environment; a flag, applied by the caller, wins over both).
 */
export function commandEnv(configFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Env {
  if (!configFile) return { ...env };
  const fromFile = parseConfigFile(readFileSync(configFile, 'utf8'), configFile);
  const merged: Env = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  for (const [k, v] of Object.entries(fromFile)) {
    // SDK settings from the file must reach the SDK, which reads process.env itself.
    if (!env[k] && k.startsWith('AWS_')) env[k] = v;
  }
  return merged;
}

/** A whole-number flag within bounds, or its default; a UsageError names the flag otherwise. */
export function intFlag(value: string | undefined, flag: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${flag} must be a whole number ${range} (got ${JSON.stringify(value)})`);
  }
  return n;
}
