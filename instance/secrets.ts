import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';

/**
 * The secrets an instance needs, read at boot from SSM Parameter Store (SecureString parameters
 * `/shelfstack/<cluster>/<name>` that the operator creates; the instance role may read only those)
 * and handed to the units as environment variables. Never from user-data, never logged.
 */
export interface SecretSpec {
  /** The parameter's name under `/shelfstack/<cluster>/`. */
  name: string;
  /** The variables it becomes in the boot environment file. */
  env: string[];
  required: boolean;
  /** Checked here, so that a bad key stops init naming the parameter, not web echoing the value. */
  minLength?: number;
}

export const SECRETS_BY_ROLE: Record<string, SecretSpec[]> = {
  // The download server signs nothing but verifies links; the store's PHP pages sign them and
  // reach MySQL, so Apache gets the same file (see the apache2 drop-in in templates/web.yaml).
  web: [
    { name: 'signing-key', env: ['SHELFSTACK_SIGNING_KEY'], required: true, minLength: 16 },
    { name: 'signing-key-previous', env: ['SHELFSTACK_SIGNING_KEY_PREVIOUS'], required: false, minLength: 16 },
    { name: 'db-password', env: ['SHELFSTACK_DB_PASSWORD'], required: true },
  ],
  // The application user's password: init sets it in MariaDB, the backups log in with it (MYSQL_PWD).
  db: [{ name: 'db-password', env: ['SHELFSTACK_DB_PASSWORD', 'MYSQL_PWD'], required: true }],
};

export class SecretsError extends Error {
  override name = 'SecretsError';
}

export function parameterName(cluster: string, name: string): string {
  return `/shelfstack/${cluster}/${name}`;
}

/** The secrets of every role the instance has, each once. */
export function secretsFor(roles: readonly string[]): SecretSpec[] {
  const byName = new Map<string, SecretSpec>();
  for (const spec of roles.flatMap((r) => SECRETS_BY_ROLE[r] ?? [])) {
    const seen = byName.get(spec.name);
    byName.set(spec.name, seen ? { ...seen, env: [...new Set([...seen.env, ...spec.env])], required: seen.required || spec.required } : spec);
  }
  return [...byName.values()];
}

/**
 * Reads the role's parameters in one GetParameters call (at most 10 names; we need 3) and returns
 * the variables they become. A missing required parameter, or a value that an environment file
 * cannot carry, stops with the parameter's name, never its value.
 */
export async function fetchSecrets(ssm: SSMClient, cluster: string, roles: readonly string[]): Promise<Record<string, string>> {
  const specs = secretsFor(roles);
  if (specs.length === 0) return {};
  const names = specs.map((s) => parameterName(cluster, s.name));
  let out;
  try {
    out = await ssm.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
  } catch (e: unknown) {
    const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new SecretsError(`cannot read SSM parameters ${names.join(', ')}: ${why}`, { cause: e });
  }
  const values = new Map((out.Parameters ?? []).map((p) => [p.Name, p.Value]));
  const env: Record<string, string> = {};
  for (const spec of specs) {
    const name = parameterName(cluster, spec.name);
    const value = values.get(name);
    if (value === undefined) {
      if (spec.required) throw new SecretsError(`SSM parameter ${name} is required but does not exist`);
      continue;
    }
    // Single-quoted in the file: systemd and --config read it literally, so only these are refused.
    if (value === '' || /['\n\r\0]/.test(value)) throw new SecretsError(`SSM parameter ${name} is empty or holds a quote or line break`);
    if (value.length < (spec.minLength ?? 0)) throw new SecretsError(`SSM parameter ${name} must be at least ${spec.minLength} characters`);
    for (const variable of spec.env) env[variable] = value;
  }
  return env;
}

/** `KEY='value'` lines, sorted, for systemd's EnvironmentFile= (and `--config`). */
export function renderEnvFile(env: Record<string, string>): string {
  return Object.keys(env)
    .sort()
    .map((k) => `${k}='${env[k]}'\n`)
    .join('');
}
