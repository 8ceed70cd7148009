import { parse } from 'yaml';
import { ENV_FILE } from '../../instance/provision/render';

/**
 * What an instance of the rehearsal boots from: its launch template's cloud-init user data, as on
 * EC2. The environment file and the units' commands are read out of it; only what must point at
 * loopback (paths, addresses, ports) is overridden by the caller.
 */
export interface BootPlan {
  env: Record<string, string>;
  /** ExecStart of each shelfstack unit, by unit name (`shelfstack-web.service` → `@BIN@ web …`). */
  exec: Record<string, string[]>;
}

export function readUserData(userDataBase64: string | undefined): BootPlan {
  if (!userDataBase64) throw new Error('the instance has no user data: launch it from a shelfstack launch template');
  const doc = parse(Buffer.from(userDataBase64, 'base64').toString('utf8')) as { write_files?: { path: string; content: string }[] };
  const files = doc.write_files ?? [];
  const envText = files.find((f) => f.path === ENV_FILE)?.content;
  if (envText === undefined) throw new Error(`the user data writes no ${ENV_FILE}`);
  const exec: Record<string, string[]> = {};
  for (const f of files) {
    const m = /^\/etc\/systemd\/system\/(shelfstack-[a-z-]+\.service)$/.exec(f.path);
    const line = m && f.content.split('\n').find((l) => l.startsWith('ExecStart='));
    if (m && line) exec[m[1]!] = line.slice('ExecStart='.length).trim().split(/\s+/);
  }
  return { env: parseEnvFile(envText), exec };
}

export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    // A value in single quotes (as local.env writes JSON) is taken as it is inside them, as systemd and sh do.
    if (m) env[m[1]!] = /^'.*'$/.test(m[2]!) ? m[2]!.slice(1, -1).replaceAll("'\\''", "'") : m[2]!;
  }
  return env;
}

/** A unit's command with its flags replaced (`--host`, `--port`) or dropped (value undefined). */
export function withFlags(argv: string[], flags: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a.startsWith('--') && a.slice(2) in flags) {
      k++;
      continue;
    }
    out.push(a);
  }
  for (const [name, value] of Object.entries(flags)) if (value !== undefined) out.push(`--${name}`, value);
  return out;
}
