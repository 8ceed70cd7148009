import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { silentLogger, type Logger } from '../../instance/logger';
import type { S3Emulator } from './emulators';

/**
 * The S3 emulator of the rehearsal, run in a child process and restarted on the same port when
 * it dies: one emulator error costs the request that caused it (its client sees the connection
 * close and fails or retries), never the rehearsal. Notifications arrive over IPC and are
 * re-emitted on `events` as startS3Emulator's are.
 */
const ENTRY = path.join(__dirname, 's3-emulator-process.ts');
const LEGACY = '--openssl-legacy-provider';

interface ChildMessage {
  type: 'ready' | 'event' | 'crash';
  endpoint?: string;
  event?: unknown;
  reason?: string;
  code?: string;
}

export interface S3EmulatorProcess extends S3Emulator {
  /** How many times the emulator died and was started again. */
  readonly restarts: number;
}

export async function startS3EmulatorProcess(opts: { directory: string; bucket: string; logger?: Logger; port?: number }): Promise<S3EmulatorProcess> {
  const logger = opts.logger ?? silentLogger;
  const events = new EventEmitter();
  let port = opts.port ?? 0;
  let closing = false;
  let restarts = 0;
  let child: ChildProcess | undefined;

  const launch = () =>
    new Promise<string>((resolve, reject) => {
      const proc = fork(ENTRY, [opts.directory, opts.bucket, String(port)], {
        // tsx's require hook (as bin/shelfstack.js uses it), found from here, whatever the working directory.
        execArgv: ['-r', require.resolve('tsx/cjs'), LEGACY],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        // Its own process group: a Ctrl-C (or `timeout`) to the rehearsal's group is the rehearsal's
        // to handle; the emulator stops when the rehearsal closes it, or when its IPC channel ends.
        detached: true,
      });
      child = proc;
      let stderr = '';
      let crash: ChildMessage | undefined;
      proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      proc.on('message', (m: ChildMessage) => {
        if (m.type === 'event') {
          // A listener's fault must not become this process's uncaught exception either.
          try {
            events.emit('event', m.event);
          } catch (e: unknown) {
            logger.error({ reason: (e as Error).message }, 'local_s3_notification_failed');
          }
        }
        else if (m.type === 'crash') crash = m;
        else if (m.type === 'ready') {
          // Restarts reuse the first port, so every client's endpoint stays right.
          port = Number(new URL(m.endpoint!).port);
          resolve(m.endpoint!);
        }
      });
      proc.once('exit', (code, signal) => {
        const reason = crash?.reason ?? stderr.trim().split('\n').pop() ?? '';
        reject(new Error(`the S3 emulator exited (${code ?? signal}) before it was ready: ${reason}`));
        if (closing || port === 0) return;
        restarts++;
        logger.error({ exit_code: code, signal, reason, err_code: crash?.code, restarts }, 'local_s3_emulator_crashed');
        launch().then(
          () => logger.warn({ port, restarts }, 'local_s3_emulator_restarted'),
          (e: unknown) => logger.error({ reason: (e as Error).message }, 'local_s3_emulator_restart_failed'),
        );
      });
    });

  const endpoint = await launch();
  return {
    endpoint,
    bucket: opts.bucket,
    events,
    get restarts() {
      return restarts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        const proc = child!;
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

// s3rver keeps `<key>._S3rver_metadata.json` beside each object: 22 bytes on top of the key's last part.
const FILESYSTEM_NAME_BYTES = 255 - '._S3rver_metadata.json'.length;

/** Why the local emulator cannot store this key (real S3 can: keys up to 1024 bytes), or undefined. */
export function emulatorCannotStore(key: string): string | undefined {
  const longest = Math.max(...key.split('/').map((p) => Buffer.byteLength(p, 'utf8')));
  if (longest <= FILESYSTEM_NAME_BYTES) return undefined;
  return `the local S3 emulator cannot store a name of ${longest} bytes (at most ${FILESYSTEM_NAME_BYTES}; S3 itself can)`;
}
