import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { s3ClientOptions } from '../../cloud/clients';
import { ensureQueue } from '../../cloud/sqs';
import { FtpIngestServer } from '../../instance/ftp/server';
import { addUser } from '../../instance/ftp/users';
import { silentLogger, type Logger } from '../../instance/logger';
import { parseMetricsSources, startDashboard } from '../ops/dashboard';
import { loadFleetConfig } from '../ops/fleet';
import { LOCAL_CREDENTIALS, startSqsEmulator } from './emulators';
import { routeObjectEvents, scheduleEvery } from './eventbridge';
import { startLocalFleet, type LocalFleet } from './fleet';
import { CLOSED_ENDPOINTS, waitForSlots, writeLocalFiles } from './local-files';
import { scheduledEvent, type Invocation } from './fleet-triggers';
import { Kept } from './kept';
import { QueueRunner } from './queue-runner';
import { startLocalSessions } from './sessions';
import { routeNotifications } from './s3-notifications';
import { emulatorCannotStore, startS3EmulatorProcess } from './s3-emulator-child';

export interface LocalStackOptions {
  /** Where everything local lives (default .shelfstack): emulator data, listings, local.json. */
  dir: string;
  webCount?: number;
  cluster?: string;
  bucket?: string;
  /** The FTP server's port (default: any free one). */
  ftpPort?: number;
  /** How often the local schedule runs the sweep function (default 10 minutes). */
  sweepEveryMs?: number;
  /** The round-robin record (default www.shelfstack.local). */
  record?: string;
  logger?: Logger;
  /** One call per fleet function invocation (the readable log line). */
  onInvocation?: (i: Invocation) => void;
  /** How long to wait for every web slot to answer through its elastic IP (default 45 s). */
  readyTimeoutMs?: number;
}

/** `.shelfstack/local.json` (ARCHITECTURE.md, "Local rehearsal"). */
export interface LocalInfo {
  s3: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  sqs: { endpoint: string };
  web: string[];
  listings: string[];
  ftp: { host: string; port: number; users: { user: string; password: string; role: string }[] };
  fleet: {
    ec2: string;
    route53: string;
    zoneId: string;
    record: string;
    dns: { host: string; port: number };
    dashboard?: string;
    slots: Record<string, { address: string; port: number }>;
  };
}

/** A web slot's instance at start: its own URL (private address) and its listing folder. */
export interface LocalWeb {
  name: string;
  instanceId: string;
  listingDir: string;
  /** The download server's own address on loopback (the instance's private address). */
  url: string;
  /** Where the slot's elastic IP answers. */
  eipUrl: string;
}

export interface LocalStack {
  info: LocalInfo;
  webs: LocalWeb[];
  s3: S3Client;
  sqs: SQSClient;
  uploads: QueueRunner;
  ftp: FtpIngestServer;
  fleet: LocalFleet;
  signingKey: string;
  /** Kept ports that were busy at start and were replaced (named on the console). */
  kept: string[];
  stop(): Promise<void>;
}

/**
 * The whole system on loopback: S3 and SQS emulators, the bucket's notifications into the uploads
 * queue, the real listing function behind a local event source mapping, and per web server a
 * listing directory kept in step by its signal queue.
 */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const logger = opts.logger ?? silentLogger;
  const cluster = opts.cluster ?? 'local';
  const bucket = opts.bucket ?? 'shelfstack-local';
  const dir = path.resolve(opts.dir);
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };

  try {
    // In a process of its own: an emulator fault costs one request, never the rehearsal.
    const kept = new Kept(dir);
    const signingKey = kept.signingKey();
    const s3Server = await startS3EmulatorProcess({ directory: path.join(dir, 's3'), bucket, port: await kept.port('s3'), logger: logger.child({ component: 's3-emulator' }) });
    stops.push(() => s3Server.close());
    const sqsServer = await startSqsEmulator({ port: await kept.port('sqs') });
    stops.push(() => sqsServer.close());

    // Everything in this process, the deployed function code included, talks to the emulators
    // only, with the emulator's dummy keys: the rehearsal can never reach a real AWS account.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_S3: s3Server.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
      ...CLOSED_ENDPOINTS,
      SHELFSTACK_CLUSTER: cluster,
      SHELFSTACK_BUCKET: bucket,
    });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    const s3 = new S3Client({ ...s3ClientOptions(), endpoint: s3Server.endpoint });
    const sqs = new SQSClient({ endpoint: sqsServer.endpoint });
    stops.push(() => {
      s3.destroy();
      sqs.destroy();
    });

    // The fleet: local EC2 and Route 53, the instances as processes, the fleet functions.
    const record = opts.record ?? 'www.shelfstack.local';
    const slotNames = Array.from({ length: opts.webCount ?? 2 }, (_, k) => `www${k + 1}`);
    const fleet = await startLocalFleet({
      dir,
      cluster,
      bucket,
      record,
      webSlots: slotNames,
      kept,
      signingKey,
      instanceEnv: {
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_REGION: process.env.AWS_REGION!,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_S3: s3Server.endpoint,
        AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
        ...CLOSED_ENDPOINTS,
        SHELFSTACK_S3_EMULATOR: 'true',
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
      },
      logger,
      onInvocation: opts.onInvocation ?? (() => undefined),
    });
    stops.push(() => fleet.stop());
    fleet.startFunctions();
    // A fresh deploy: each reconciler's first run fills the empty slots (later runs: their triggers).
    for (const fn of ['eip', 'db', 'hosts', 'dns']) void fleet.wiring.invoke(fn, scheduledEvent(), 'start');

    // The stack's queue for failed fleet invocations: doctor checks it, as on AWS.
    await ensureQueue(sqs, `shelfstack-${cluster}-fleet-failures`);
    const dlqUrl = await ensureQueue(sqs, `shelfstack-${cluster}-uploads-dlq`);
    const dlqArn = await queueArn(sqs, dlqUrl);
    const uploadsUrl = await ensureQueue(sqs, `shelfstack-${cluster}-uploads`, {
      VisibilityTimeout: '5',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
    });
    stops.push(routeNotifications(s3Server.events, sqs, uploadsUrl, (e) => logger.error({ reason: e.message }, 'local_notification_failed')));

    // Loaded only now: the function reads its configuration from the environment at load, as in Lambda.
    const { handler } = require('../../functions/listing') as {
      handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
    };
    const uploads = new QueueRunner({ sqs, queueUrl: uploadsUrl, queueArn: await queueArn(sqs, uploadsUrl), handler, logger });
    uploads.start();
    stops.push(() => uploads.stop());

    // The sweep function: chunk overwrites and deletions invalidate cached copies; a schedule sweeps.
    const sweep = (require('../../functions/sweep') as { handler: (e: EventBridgeEvent<string, unknown>) => Promise<void> }).handler;
    const onSweepError = (e: Error) => logger.error({ reason: e.message }, 'local_sweep_failed');
    stops.push(routeObjectEvents(s3Server.events, bucket, sweep, onSweepError));
    stops.push(scheduleEvery(opts.sweepEveryMs ?? 10 * 60_000, sweep, onSweepError));

    const webs = await waitForSlots(fleet, dir, opts.readyTimeoutMs ?? 45_000);

    // The FTP ingest server with one narrator whose fresh password goes into local.json.
    const ftpDir = path.join(dir, 'ftp');
    const usersFile = path.join(ftpDir, 'users.json');
    const ftpUser = { user: 'narrator', password: randomBytes(9).toString('base64url'), role: 'narrator' };
    await addUser(usersFile, ftpUser.user, ftpUser.password, ftpUser.role);
    const pasvMin = 40000 + Math.floor(Math.random() * 20000);
    const ftp = new FtpIngestServer({
      s3,
      bucket,
      dir: ftpDir,
      usersFile,
      host: '127.0.0.1',
      port: opts.ftpPort ?? 0,
      pasvUrl: '127.0.0.1',
      pasvMin,
      pasvMax: pasvMin + 20,
      retryMs: 2000,
      // Rejected (quarantined, logged) here rather than crashing the emulator at every retry.
      refuseKey: emulatorCannotStore,
      // Not `component`: ftp-srv's own lines add theirs below it, and a key twice is not JSON one can grep.
      logger: logger.child({ server: 'ftp' }),
    });
    await ftp.start();
    stops.push(() => ftp.stop());

    // Sessions (issue 13): memcached as the cache server, a session table in MariaDB; DIR/sessions.env.
    const sessions = await startLocalSessions({ dir, logger: logger.child({ component: 'sessions' }) });
    stops.push(() => sessions.stop());

    const info: LocalInfo = {
      s3: { endpoint: s3Server.endpoint, bucket, ...LOCAL_CREDENTIALS },
      sqs: { endpoint: sqsServer.endpoint },
      web: webs.map((w) => w.url),
      listings: webs.map((w) => w.listingDir),
      ftp: { host: '127.0.0.1', port: ftp.port, users: [ftpUser] },
      fleet: {
        ec2: fleet.ec2Endpoint,
        route53: fleet.route53Endpoint,
        zoneId: fleet.zoneId,
        record,
        dns: fleet.dns,
        slots: fleet.slots,
      },
    };
    // The dashboard, on the local fleet with the local settings; each slot's /metrics through its elastic IP.
    const dashboardPort = await kept.port('dashboard');
    info.fleet.dashboard = `http://127.0.0.1:${dashboardPort}/`;
    const localEnv = await writeLocalFiles(dir, info, cluster, signingKey, fleet.ssmEndpoint, fleet.functionEnv);
    const fleetClient = { region: localEnv.AWS_REGION, credentials: LOCAL_CREDENTIALS };
    const ec2 = new EC2Client({ ...fleetClient, endpoint: localEnv.AWS_ENDPOINT_URL_EC2 });
    const route53 = new Route53Client({ ...fleetClient, endpoint: localEnv.AWS_ENDPOINT_URL_ROUTE_53 });
    stops.push(async () => {
      ec2.destroy();
      route53.destroy();
    });
    const dashboard = await startDashboard({
      clients: { ec2, route53, s3, sqs },
      cfg: loadFleetConfig(localEnv),
      metrics: parseMetricsSources(webs.map((w) => `${w.name}=${w.eipUrl}`).join(',')),
      port: dashboardPort,
    });
    stops.push(() => dashboard.close());
    return { info, webs, s3, sqs, uploads, ftp, fleet, signingKey, kept: kept.moved, stop };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const res = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return res.Attributes!.QueueArn!;
}
