import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  EC2Client,
  RunInstancesCommand,
  type Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { startFleetEmulator, type FleetEmulator, type FleetEmulatorOptions, type FleetEvent, type FleetTimings } from '../../../cli/local/fleet-emulator';

/** The emulator on a random loopback port with compressed timings, and real SDK clients pointed at it. */
export const FAST: Partial<FleetTimings> = {
  pendingMs: 150,
  checksMs: 150,
  stoppingMs: 100,
  shuttingDownMs: 100,
  volumeCreateMs: 50,
  attachMs: 50,
  detachMs: 50,
  recordSyncMs: 150,
};

export interface Harness {
  emu: FleetEmulator;
  ec2: EC2Client;
  r53: Route53Client;
  dir: string;
  events: FleetEvent[];
  restart(): Promise<void>;
  close(): Promise<void>;
}

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };

export async function startHarness(opts: Partial<FleetEmulatorOptions> = {}): Promise<Harness> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'fleet-emu-')));
  const events: FleetEvent[] = [];
  const start = async () => {
    const emu = await startFleetEmulator({ timings: FAST, ...opts, dir });
    emu.events.on('event', (e) => events.push(e));
    return emu;
  };
  const h: Harness = {
    emu: await start(),
    ec2: undefined as unknown as EC2Client,
    r53: undefined as unknown as Route53Client,
    dir,
    events,
    async restart() {
      await h.emu.close();
      h.emu = await start();
      h.ec2.destroy();
      h.r53.destroy();
      connect();
    },
    async close() {
      h.ec2.destroy();
      h.r53.destroy();
      await h.emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  const connect = () => {
    // No retries: a test sees each answer as the emulator gave it.
    h.ec2 = new EC2Client({ endpoint: h.emu.ec2Endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    h.r53 = new Route53Client({ endpoint: h.emu.route53Endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  };
  connect();
  return h;
}

export async function webTemplate(ec2: EC2Client, name = 'shelfstack-web', tags: Record<string, string> = { 'shelfstack:cluster': 'test', 'shelfstack:role': 'web' }) {
  const res = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: name,
      LaunchTemplateData: {
        ImageId: 'ami-0123456789abcdef0',
        InstanceType: 't4g.small',
        UserData: Buffer.from('#cloud-config\n').toString('base64'),
        TagSpecifications: [{ ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
      },
    }),
  );
  return res.LaunchTemplate!;
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
export async function until<T>(check: () => Promise<T | undefined>, ms = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Launches from the web template and waits until the instance is running with its checks ok. */
export async function launchRunning(h: Harness, tags: Record<string, string> = {}, extra: Partial<RunInstancesCommandInput> = {}): Promise<string> {
  const res = await h.ec2.send(
    new RunInstancesCommand({
      LaunchTemplate: { LaunchTemplateName: 'shelfstack-web' },
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: Object.keys(tags).length ? [{ ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }] : undefined,
      ...extra,
    }),
  );
  const id = res.Instances![0]!.InstanceId!;
  await until(async () => {
    const s = await h.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    return s.InstanceStatuses?.[0]?.InstanceStatus?.Status === 'ok' ? true : undefined;
  }, 5000, `${id} running and ok`);
  return id;
}

export async function instance(h: Harness, id: string): Promise<Instance> {
  const res = await h.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return res.Reservations![0]!.Instances![0]!;
}

export async function waitForState(h: Harness, id: string, state: string): Promise<Instance> {
  return until(async () => {
    const i = await instance(h, id);
    return i.State?.Name === state ? i : undefined;
  }, 5000, `${id} ${state}`);
}
