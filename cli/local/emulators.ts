import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { EventEmitter } from 'node:events';
import { conditionalLayer } from './s3-conditional';
import { integrityLayer } from './s3-integrity';

/**
 * The local stand-ins for S3 and SQS, on loopback, shared by `shelfstack local`, the tests and
 * the benchmarks. s3rver's continuation tokens use DES, so the process must run with
 * `--openssl-legacy-provider` (see TOOLCHAIN.md); the launchers set it. s3rver serves no checksums
 * and gives multipart objects a plain MD5 ETag: `s3-integrity.ts` adds what S3 does there. It
 * ignores If-Match / If-None-Match on writes: `s3-conditional.ts` honours them.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Emulator {
  endpoint: string;
  bucket: string;
  /** s3rver's notifications: `{Records: [...]}` with keys not URL-encoded (unlike real S3). */
  events: EventEmitter;
  close(): Promise<void>;
}

export async function startS3Emulator(opts: { directory: string; bucket: string; port?: number }): Promise<S3Emulator> {
  // s3rver is CommonJS with no types of its own.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as new (o: object) => EventEmitter & {
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    middleware: unknown[];
    store: Parameters<typeof integrityLayer>[0]['store'];
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3Error = require('s3rver/lib/models/error') as Parameters<typeof integrityLayer>[0]['S3Error'];
  await mkdir(opts.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port ?? 0,
    silent: true,
    directory: opts.directory,
    configureBuckets: [{ name: opts.bucket }],
    // The emulator has no accounts; the SDK still signs, with whatever dummy keys it was given.
    allowMismatchedSignatures: true,
    vhostBuckets: false,
  });
  // Checksums and real multipart ETags, kept beside s3rver's folder (not in it: s3rver would
  // list a folder there as a bucket). In before the vhost and router middleware, after the
  // one that turns response objects into XML, so it still sees (and can mend) them.
  const layer = integrityLayer({ store: server.store, dir: `${opts.directory}.integrity`, S3Error });
  // Conditional writes first: a write refused by its precondition never reaches the rest.
  server.middleware.splice(server.middleware.length - 2, 0, conditionalLayer({ store: server.store, S3Error }), layer);
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: opts.bucket,
    events: server,
    close: () => server.close(),
  };
}

export interface SqsEmulator {
  endpoint: string;
  close(): Promise<void>;
}

export async function startSqsEmulator(opts: { port?: number } = {}): Promise<SqsEmulator> {
  const { createSqsServer } = await import('local-aws-sqs');
  const server: Server = await createSqsServer({ port: opts.port ?? 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return servedOnLoopback(server);
}

/** A listening loopback HTTP server as an emulator: its endpoint, and a close that drops open connections. */
export function servedOnLoopback(server: Server): { endpoint: string; close(): Promise<void> } {
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
