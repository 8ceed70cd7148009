import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { ChunkRef } from '../../../core/keys';
import { createLogger } from '../../../instance/logger';
import { buildWebApp, type WebApp, type WebAppOptions } from '../../../instance/web/app';
import { directoryListing, type Listing } from '../../../instance/web/download';
import { listenWeb, type RunningWeb } from '../../../instance/web/lifecycle';
import { tempDir } from '../../support/emulators';
import { s3Via, SIGNING_KEY } from '../../support/web';

/** One web app on 127.0.0.1:0 over the counting proxy, with its log lines and listing lookups recorded. */
export interface TestWeb {
  app: WebApp;
  running: RunningWeb;
  url: string;
  listingDir: string;
  cacheDir: string;
  logLines: Record<string, unknown>[];
  listingLookups: ChunkRef[];
  stop(): Promise<void>;
}

export async function startTestWeb(proxyEndpoint: string, bucket: string, overrides: Partial<WebAppOptions> = {}): Promise<TestWeb> {
  const root = await tempDir('shelfstack-web-');
  const listingDir = path.join(root, 'listing');
  const cacheDir = overrides.cacheDir ?? path.join(root, 'cache');
  await mkdir(listingDir, { recursive: true });
  const logLines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const listingLookups: ChunkRef[] = [];
  const real = directoryListing(listingDir);
  const listing: Listing = {
    has: (ref) => {
      listingLookups.push(ref);
      return real.has(ref);
    },
  };
  const s3 = s3Via(proxyEndpoint);
  const logger = createLogger('shelfstack-web-test', { destination });
  const app = buildWebApp({
    s3,
    bucket,
    listingDir,
    cacheDir,
    cacheMaxBytes: 1024 ** 3,
    cacheMaxAge: 86_400,
    signingKey: SIGNING_KEY,
    logger,
    listing,
    ...overrides,
  });
  const running = await listenWeb(app, { port: 0, host: '127.0.0.1', logger });
  return {
    app,
    running,
    url: running.url,
    listingDir,
    cacheDir,
    logLines,
    listingLookups,
    stop: async () => {
      await running.stop(1000);
      s3.destroy();
      await rm(root, { recursive: true, force: true });
    },
  };
}
