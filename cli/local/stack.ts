import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { s3ClientOptions } from '../../cloud/clients';
import { ensureQueue } from '../../cloud/sqs';
import { Agent } from '../../instance/agent';
import { CacheAdminClient } from '../../instance/cache-admin-client';
import type { CacheControl } from '../../instance/cache-control';
import { FtpIngestServer } from '../../instance/ftp/server';
import { addUser } from '../../instance/ftp/users';
import { ListingSync } from '../../instance/listing-sync';
import { silentLogger, type Logger } from '../../instance/logger';
import { listenAdmin } from '../../instance/web/admin-server';
import { buildWebApp } from '../../instance/web/app';
import { listenWeb } from '../../instance/web/lifecycle';
import { LOCAL_CREDENTIALS, startSqsEmulator } from './emulators';
import { routeObjectEvents, scheduleEvery } from './eventbridge';
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
  logger?: Logger;
}

/** `.shelfstack/local.json` (ARCHITECTURE.md, "Local rehearsal"). */
export interface LocalInfo {
  s3: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  sqs: { endpoint: string };
  web: string[];
  listings: string[];
  ftp: { host: string; port: number; users: { user: string; password: string; role: string }[] };
}

/** The local download servers' signing key: new each run, written to local.env for `shelfstack sign`. */
const LOCAL_SIGNING_KEY = `local-${randomBytes(18).toString('base64url')}`;

export interface LocalWeb {
  name: string;
  instanceId: string;
  listingDir: string;
  sync: ListingSync;
  agent: Agent;
  /** The download server's address on loopback. */
  url: string;
  /** Its cache admin endpoints (SHELFSTACK_CACHE_ADMIN_URL on EC2), which the agent calls. */
  adminUrl: string;
  /** Its download cache, which the agent sweeps and invalidates on signals through adminUrl. */
  cache: CacheControl;
}

export interface LocalStack {
  info: LocalInfo;
  webs: LocalWeb[];
  s3: S3Client;
  sqs: SQSClient;
  uploads: QueueRunner;
  ftp: FtpIngestServer;
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
    const s3Server = await startS3EmulatorProcess({ directory: path.join(dir, 's3'), bucket, logger: logger.child({ component: 's3-emulator' }) });
    stops.push(() => s3Server.close());
    const sqsServer = await startSqsEmulator();
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
      // No emulator for these: a call that slipped through fails here instead of reaching AWS.
      AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_ROUTE_53: 'http://127.0.0.1:9',
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

    const webs: LocalWeb[] = [];
    for (let i = 1; i <= (opts.webCount ?? 2); i++) {
      const name = `web${i}`;
      const instanceId = `local-${name}`;
      const listingDir = path.join(dir, name, 'listing');
      await mkdir(listingDir, { recursive: true });
      const sync = new ListingSync({ s3, bucket, dir: listingDir, logger: logger.child({ instance: instanceId }) });
      await sync.syncAll();
      const app = buildWebApp({
        s3,
        bucket,
        listingDir,
        cacheDir: path.join(dir, name, 'cache'),
        cacheMaxBytes: 1024 ** 3,
        cacheMaxAge: 7 * 86_400,
        signingKey: LOCAL_SIGNING_KEY,
        logger: logger.child({ instance: instanceId }),
      });
      const running = await listenWeb(app, { port: 0, host: '127.0.0.1', logger: logger.child({ instance: instanceId }) });
      stops.push(() => running.stop(2000).then(() => undefined));
      // The agent reaches the cache as on EC2: through the web server's admin endpoints on loopback.
      const admin = await listenAdmin('http://127.0.0.1:0', app.cache, logger.child({ instance: instanceId }));
      stops.push(() => admin.stop());
      const agent = new Agent({
        s3,
        sqs,
        cluster,
        bucket,
        instanceId,
        listing: sync,
        cache: new CacheAdminClient(admin.url),
        // Short polls: the SQS emulator answers a long poll only when its wait ends.
        waitSeconds: 1,
        logger: logger.child({ instance: instanceId }),
      });
      await agent.start();
      stops.push(() => agent.stop());
      webs.push({ name, instanceId, listingDir, sync, agent, url: running.url, adminUrl: admin.url, cache: app.cache });
    }

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
      logger: logger.child({ component: 'ftp' }),
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
    };
    await writeLocalFiles(dir, info, cluster);
    return { info, webs, s3, sqs, uploads, ftp, stop };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const res = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return res.Attributes!.QueueArn!;
}

/** local.json for scripts and tests; local.env for `set -a; . .shelfstack/local.env` before running shelfstack verbs. */
async function writeLocalFiles(dir: string, info: LocalInfo, cluster: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'local.json'), `${JSON.stringify(info, null, 2)}\n`);
  const env = {
    AWS_ACCESS_KEY_ID: info.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: info.s3.secretAccessKey,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_S3: info.s3.endpoint,
    AWS_ENDPOINT_URL_SQS: info.sqs.endpoint,
    SHELFSTACK_CLUSTER: cluster,
    SHELFSTACK_BUCKET: info.s3.bucket,
    SHELFSTACK_SIGNING_KEY: LOCAL_SIGNING_KEY,
  };
  await writeFile(
    path.join(dir, 'local.env'),
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
}
