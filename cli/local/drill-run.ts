import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { s3ClientOptions } from '../../cloud/clients';
import { breakSlot, changes, slotInstance, watch, type DrillClients, type FleetView, type Milestone } from './drills';
import { parseEnvFile } from './instance-boot';
import type { LocalInfo } from './stack';

/**
 * `shelfstack local kill|stop SLOT|db`, `shelfstack local newsletter`: the drill, run with the
 * running rehearsal's settings (DIR/local.env), then its timeline until the fleet has healed.
 */
export interface DrillResult {
  victim?: string;
  milestones: Milestone[];
  healed: FleetView;
}

export async function runDrill(dir: string, drill: 'kill' | 'stop' | 'newsletter', slot: string | undefined, print: (line: string) => void, timeoutMs = 120_000): Promise<DrillResult> {
  const envFile = path.join(dir, 'local.env');
  if (!existsSync(envFile)) throw new Error(`${envFile} not found: is the rehearsal (npm start) running?`);
  const env = parseEnvFile(readFileSync(envFile, 'utf8'));
  Object.assign(process.env, env);
  const info = JSON.parse(readFileSync(path.join(dir, 'local.json'), 'utf8')) as LocalInfo;
  const c: DrillClients = {
    dbPort: Number(env.SHELFSTACK_DB_PORT),
    ec2: new EC2Client({ endpoint: info.fleet.ec2 }),
    route53: new Route53Client({ endpoint: info.fleet.route53 }),
    s3: new S3Client({ ...s3ClientOptions(), endpoint: info.s3.endpoint }),
    cluster: env.SHELFSTACK_CLUSTER!,
    bucket: info.s3.bucket,
    zoneId: info.fleet.zoneId,
    record: info.fleet.record,
  };
  const milestones: Milestone[] = [];
  const t0 = Date.now();
  const note = (m: Milestone) => {
    milestones.push(m);
    print(`  +${(m.at / 1000).toFixed(1).padStart(5)} s  ${m.what}`);
  };
  const slotAddresses = Object.values(info.fleet.slots).map((s) => s.address).sort();
  try {
    if (drill === 'newsletter') return { milestones, healed: await newsletter(c, slotAddresses, note, t0, timeoutMs) };
    if (!slot) throw new Error(`usage: shelfstack local ${drill} SLOT|db`);
    const victim = await breakSlot(c, drill, slot);
    note({ at: Date.now() - t0, what: `${drill === 'kill' ? 'TerminateInstances' : 'StopInstances'} ${victim} (${slot})` });
    const healed = await watch(
      c,
      changes,
      (v) => {
        const now = slotInstance(v, slot);
        const holder = v.instances.find((i) => i.id === now);
        if (!holder || holder.id === victim || holder.state !== 'running') return false;
        if (slot === 'db') return v.volumeHolder === holder.id && v.dbserver === holder.privateIp && v.dbAnswers === true;
        return v.eips[slot]?.holder === holder.id && slotAddresses.every((a) => v.record.includes(a));
      },
      { timeoutMs, note, t0 },
    );
    note({ at: Date.now() - t0, what: 'healed' });
    return { victim, milestones, healed };
  } finally {
    c.ec2.destroy();
    c.route53.destroy();
    c.s3.destroy();
  }
}

/** The surge rule: scale out, wait until the surge server is in the record, drain, wait until it is terminated. */
async function newsletter(c: DrillClients, slotAddresses: string[], note: (m: Milestone) => void, t0: number, timeoutMs: number): Promise<FleetView> {
  // The real scale function, invoked as the rule's schedules would (`serverless invoke local -f scale`).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const scale = (require('../../functions/scale') as { handler: (e: unknown, ctx: unknown) => Promise<unknown> }).handler;
  await scale({ action: 'scale-out', rule: 'newsletter' }, {});
  note({ at: Date.now() - t0, what: 'scale-out (rule newsletter)' });
  await watch(c, changes, (v) => v.record.length > slotAddresses.length, { timeoutMs, note, t0 });
  await scale({ action: 'drain', rule: 'newsletter' }, {});
  note({ at: Date.now() - t0, what: 'drain (rule newsletter)' });
  let surge: string[] = [];
  const healed = await watch(
    c,
    (prev, v) => {
      surge = v.instances.filter((i) => i.surge).map((i) => i.id);
      return changes(prev, v);
    },
    (v) => v.instances.filter((i) => i.surge).every((i) => i.state === 'terminated') && v.record.join() === slotAddresses.join(),
    { timeoutMs, note, t0 },
  );
  note({ at: Date.now() - t0, what: `healed: surge ${surge.join(', ')} terminated` });
  return healed;
}
