import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LOCAL_FLEET_SETTINGS, type LocalFleet } from './fleet';
import type { LocalInfo, LocalWeb } from './stack';

/** What the rehearsal hands out: local.json, local.env, and the web slots once they answer. */

/** local.json for scripts and tests; local.env for `set -a; . .shelfstack/local.env` before running shelfstack verbs. */
/** Writes local.json and local.env; returns local.env's variables. */
export async function writeLocalFiles(dir: string, info: LocalInfo, cluster: string, signingKey: string, ssmEndpoint: string, fleetEnv: Record<string, string>): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'local.json'), `${JSON.stringify(info, null, 2)}\n`);
  const env = {
    AWS_ACCESS_KEY_ID: info.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: info.s3.secretAccessKey,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_S3: info.s3.endpoint,
    AWS_ENDPOINT_URL_SQS: info.sqs.endpoint,
    ...CLOSED_ENDPOINTS,
    AWS_ENDPOINT_URL_EC2: info.fleet.ec2,
    AWS_ENDPOINT_URL_ROUTE_53: info.fleet.route53,
    AWS_ENDPOINT_URL_SSM: ssmEndpoint,
    SHELFSTACK_CLUSTER: cluster,
    SHELFSTACK_BUCKET: info.s3.bucket,
    SHELFSTACK_SIGNING_KEY: signingKey,
    SHELFSTACK_ZONE_ID: info.fleet.zoneId,
    SHELFSTACK_RECORD: info.fleet.record,
    SHELFSTACK_TTL: String(LOCAL_FLEET_SETTINGS.ttl),
    SHELFSTACK_HEALTH_PATH: '/healthz',
    SHELFSTACK_HEALTH_PORT: String(Object.values(info.fleet.slots)[0]?.port ?? 80),
    ...fleetEnv,
  };
  await writeFile(
    path.join(dir, 'local.env'),
    Object.entries(env)
      // Quoted where a shell would change the value (the scale rules are JSON): `. local.env` keeps it whole.
      .map(([k, v]) => `${k}=${/^[A-Za-z0-9_@%+=:,./-]*$/.test(v) ? v : `'${v.replaceAll("'", "'\\''")}'`}`)
      .join('\n') + '\n',
  );
  return env;
}

/**
 * Every AWS endpoint a shelfstack verb or the SDK's defaults could use and the rehearsal has no
 * stand-in for: a closed loopback port, so a call that slipped through fails here, never at AWS.
 */
const CLOSED = 'http://127.0.0.1:9';
export const CLOSED_ENDPOINTS = {
  AWS_ENDPOINT_URL_STS: CLOSED,
  AWS_ENDPOINT_URL_SSM: CLOSED,
  AWS_ENDPOINT_URL_EC2: CLOSED,
  AWS_ENDPOINT_URL_ROUTE_53: CLOSED,
  AWS_ENDPOINT_URL_EVENTBRIDGE: CLOSED,
  AWS_ENDPOINT_URL_CLOUDWATCH: CLOSED,
  AWS_ENDPOINT_URL_CLOUDFORMATION: CLOSED,
  AWS_ENDPOINT_URL_LAMBDA: CLOSED,
  AWS_ENDPOINT_URL_IAM: CLOSED,
  AWS_ENDPOINT_URL_SCHEDULER: CLOSED,
};

/** Waits until every web slot's elastic IP serves /healthz from its holder, and names the holders. */
export async function waitForSlots(fleet: LocalFleet, dir: string, timeoutMs: number): Promise<LocalWeb[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = fleet.snapshot();
    const webs: LocalWeb[] = [];
    for (const [name, slot] of Object.entries(fleet.slots)) {
      const address = state.addresses.find((a) => a.publicIp === slot.address);
      const holder = state.instances.find((i) => i.id === address?.instanceId);
      if (!holder) break;
      const eipUrl = `http://${slot.address}:${slot.port}`;
      const ok = await fetch(`${eipUrl}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status === 200, () => false);
      if (!ok) break;
      webs.push({ name, instanceId: holder.id, listingDir: path.join(dir, 'instances', holder.id, 'listing'), url: `http://${holder.privateIp}:${slot.port}`, eipUrl });
    }
    if (webs.length === Object.keys(fleet.slots).length) return webs;
    if (Date.now() > deadline) throw new Error(`the web slots did not come up within ${timeoutMs / 1000} s (see ${path.join(dir, 'logs')})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
