import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { Logger } from '../../instance/logger';
import { parameterName } from '../../instance/secrets';
import { startLocalDns, type LocalDns } from './dns-server';
import { startEipForwarder, type EipForwarder } from './eip-forwarder';
import { startFleetEmulator, type FleetEmulator } from './fleet-emulator';
import type { FleetState } from './fleet-emulator/state';
import { seedFleet } from './fleet-seed';
import { readTrigger, wireTriggers, type FleetHandler, type Invocation, type Trigger, type Wiring } from './fleet-triggers';
import { InstanceRunner } from './instances';
import { freePort, type Kept } from './kept';
import { startLocalSsm, type LocalSsm } from './local-ssm';

/**
 * The fleet in the rehearsal: the local EC2 and Route 53 (state in DIR/fleet), what the stack
 * creates (launch templates, the web slots' elastic IPs, the db volume, the zone), the real fleet
 * functions on their triggers with compressed schedules, the instances as process groups, each
 * elastic IP a forwarder to its holder, and a DNS server answering the record.
 */
export const FLEET_FUNCTIONS = ['hosts', 'dns', 'eip', 'scale', 'db'] as const;
/** Real seconds per rehearsal second: `rate(5 minutes)` runs every 5 s. */
export const COMPRESS = 60;
export const LOCAL_TIMINGS = { pendingMs: 1000, checksMs: 1500, stoppingMs: 1000, shuttingDownMs: 1000, volumeCreateMs: 200, attachMs: 300, detachMs: 300, recordSyncMs: 500 };
/** The fleet's settings on the compressed clock (README, "The local rehearsal"). */
export const LOCAL_FLEET_SETTINGS = { ttl: 5, healthGrace: 8, drainGrace: 4 };
export const NEWSLETTER_RULE = { name: 'newsletter', out: 'cron(0 8 ? * TUE *)', count: 1, drain: 'cron(0 20 ? * TUE *)' };

export interface LocalFleetOptions {
  dir: string;
  cluster: string;
  bucket: string;
  record: string;
  webSlots: string[];
  kept: Kept;
  signingKey: string;
  /** Environment of the instances beyond their env file (S3, SQS endpoints, credentials). */
  instanceEnv: Record<string, string>;
  logger: Logger;
  onInvocation: (i: Invocation) => void;
}

export interface LocalFleet {
  ec2Endpoint: string;
  route53Endpoint: string;
  ssmEndpoint: string;
  zoneId: string;
  record: string;
  dns: { host: string; port: number };
  webPort: number;
  dbPort: number;
  slots: Record<string, { address: string; port: number }>;
  triggers: Trigger[];
  emulator: FleetEmulator;
  wiring: Wiring;
  snapshot(): FleetState;
  /** The fleet functions' settings (SHELFSTACK_LAUNCH_TEMPLATE, _SCALE_RULES, …), also in local.env. */
  functionEnv: Record<string, string>;
  /** Sets process.env for the functions, then loads and wires them. */
  startFunctions(): void;
  stop(): Promise<void>;
}

export async function startLocalFleet(o: LocalFleetOptions): Promise<LocalFleet> {
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    mkdirSync(path.join(o.dir, 'logs'), { recursive: true });
    const emulator = await startFleetEmulator({
      dir: path.join(o.dir, 'fleet'),
      ec2Port: await o.kept.port('ec2'),
      route53Port: await o.kept.port('route53'),
      timings: LOCAL_TIMINGS,
      log: (line) => {
        if (line.event === 'fleet_emulator_failed') o.logger.error(line, 'fleet_emulator_failed');
      },
    });
    stops.push(() => emulator.close());
    const ec2 = new EC2Client({ endpoint: emulator.ec2Endpoint });
    const route53 = new Route53Client({ endpoint: emulator.route53Endpoint });
    stops.push(() => {
      ec2.destroy();
      route53.destroy();
    });
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const seeded = await seedFleet(ec2, route53, { cluster: o.cluster, bucket: o.bucket, region, record: o.record, webSlots: o.webSlots, az: `${region}a` });

    const ssm: LocalSsm = await startLocalSsm(
      {
        [parameterName(o.cluster, 'signing-key')]: o.signingKey,
        [parameterName(o.cluster, 'db-password')]: 'local-db-password',
      },
      { port: await o.kept.port('ssm') },
    );
    stops.push(() => ssm.close());

    const snapshot = () => emulator.snapshot();
    const elastic = snapshot().addresses.filter((a) => a.tags['shelfstack:cluster'] === o.cluster && a.tags['shelfstack:slot']);
    const webPort = await o.kept.port('web', ['127.0.0.1', ...elastic.map((a) => a.publicIp)]);
    const dbPort = await o.kept.port('db', ['127.0.2.254']);
    const holder = (slot: string) => () => {
      const s = snapshot();
      const a = s.addresses.find((x) => x.tags['shelfstack:slot'] === slot && x.tags['shelfstack:cluster'] === o.cluster);
      return s.instances.find((i) => i.id === a?.instanceId)?.privateIp;
    };
    const slots: LocalFleet['slots'] = {};
    const forwarders: EipForwarder[] = [];
    for (const slot of o.webSlots) {
      const a = elastic.find((x) => x.tags['shelfstack:slot'] === slot)!;
      forwarders.push(await startEipForwarder(a.publicIp, webPort, holder(slot)));
      slots[slot] = { address: a.publicIp, port: webPort };
    }
    // An instance's auto-assigned public address (a surge server's, say) is NATed to its private
    // one as on EC2: a forwarder per address the fleet hands out, following whoever holds it now.
    const natted = new Set<string>();
    const nat = () => {
      for (const i of snapshot().instances) {
        if (!i.publicIp || natted.has(i.publicIp) || elastic.some((a) => a.publicIp === i.publicIp)) continue;
        natted.add(i.publicIp);
        const address = i.publicIp;
        void startEipForwarder(address, webPort, () => snapshot().instances.find((x) => x.publicIp === address && x.state === 'running')?.privateIp).then(
          (f) => forwarders.push(f),
          (e: unknown) => o.logger.warn({ address, reason: e instanceof Error ? e.message : String(e) }, 'local_nat_failed'),
        );
      }
    };
    emulator.events.on('event', nat);
    stops.push(() => {
      emulator.events.off('event', nat);
      return Promise.all(forwarders.map((f) => f.close())).then(() => undefined);
    });

    const recordName = o.record.toLowerCase();
    const dns: LocalDns = await startLocalDns(
      (name) => {
        if (name !== recordName) return undefined;
        const zone = snapshot().zones.find((z) => z.id === seeded.zoneId);
        const r = zone?.records.find((x) => x.type === 'A' && x.name.replace(/\.$/, '') === recordName);
        return { ttl: r?.ttl ?? LOCAL_FLEET_SETTINGS.ttl, values: r?.values ?? [] };
      },
      { port: await o.kept.port('dns') },
    );
    stops.push(() => dns.close());

    const runner = new InstanceRunner({
      dir: o.dir,
      snapshot,
      baseEnv: {
        ...o.instanceEnv,
        AWS_ENDPOINT_URL_EC2: emulator.ec2Endpoint,
        AWS_ENDPOINT_URL_ROUTE_53: emulator.route53Endpoint,
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      },
      webPort,
      dbPort,
      freePort: () => freePort(),
      onLine: (event, fields) => o.logger.info(fields, event),
    });
    emulator.events.on('event', () => runner.reconcile());
    runner.start();
    stops.push(() => runner.stop());

    const params = { cluster: o.cluster };
    const triggers = FLEET_FUNCTIONS.map((fn) => readTrigger(fn, params, COMPRESS));
    let wiring: Wiring | undefined;
    const functionEnv: Record<string, string> = {
      AWS_ENDPOINT_URL_EC2: emulator.ec2Endpoint,
      AWS_ENDPOINT_URL_ROUTE_53: emulator.route53Endpoint,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      SHELFSTACK_ZONE_ID: seeded.zoneId,
      SHELFSTACK_RECORD: o.record,
      SHELFSTACK_TTL: String(LOCAL_FLEET_SETTINGS.ttl),
      SHELFSTACK_HEALTH_GRACE: String(LOCAL_FLEET_SETTINGS.healthGrace),
      SHELFSTACK_HEALTH_PORT: String(webPort),
      SHELFSTACK_HEALTH_PATH: '/healthz',
      SHELFSTACK_DRAIN_GRACE: String(LOCAL_FLEET_SETTINGS.drainGrace),
      SHELFSTACK_LAUNCH_TEMPLATE: seeded.templates.web,
      SHELFSTACK_DB_LAUNCH_TEMPLATE: seeded.templates.db,
      SHELFSTACK_DB_DEVICE: '/dev/sdf',
      // Where every db instance's MariaDB listens (on its own address): for the db verbs and the drills.
      SHELFSTACK_DB_PORT: String(dbPort),
      SHELFSTACK_SCALE_RULES: JSON.stringify([NEWSLETTER_RULE]),
    };
    const fleet: LocalFleet = {
      ec2Endpoint: emulator.ec2Endpoint,
      route53Endpoint: emulator.route53Endpoint,
      ssmEndpoint: ssm.endpoint,
      zoneId: seeded.zoneId,
      record: o.record,
      dns: { host: dns.host, port: dns.port },
      webPort,
      dbPort,
      slots,
      triggers,
      emulator,
      get wiring() {
        if (!wiring) throw new Error('the fleet functions are not started');
        return wiring;
      },
      snapshot,
      functionEnv,
      startFunctions() {
        Object.assign(process.env, functionEnv);
        const handlers: Record<string, FleetHandler> = {};
        for (const fn of FLEET_FUNCTIONS) {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const h = (require(`../../functions/${fn}`) as { handler: (e: unknown, c?: unknown) => Promise<unknown> }).handler;
          handlers[fn] = (event) => h(event, {});
        }
        wiring = wireTriggers(emulator.events, triggers, handlers, o.onInvocation);
        stops.push(() => wiring!.stop());
      },
      stop,
    };
    return fleet;
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}
