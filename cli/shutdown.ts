import type { Logger } from '../instance/logger';

/**
 * The one place a daemon verb waits for SIGTERM/SIGINT, drains, and exits: 0 when stop() finished
 * within the deadline, 1 (forced) when it did not (after close-with-grace).
 */
export function untilTerminated(opts: { stop: () => Promise<void>; deadlineMs: number; logger: Logger }): Promise<number> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      opts.logger.info({ signal, deadlineMs: opts.deadlineMs }, 'shutdown_started');
      const deadline = setTimeout(() => {
        opts.logger.error({ deadlineMs: opts.deadlineMs }, 'shutdown_deadline_exceeded');
        opts.logger.flush();
        process.exit(1);
      }, opts.deadlineMs);
      deadline.unref();
      opts.stop().then(
        () => {
          clearTimeout(deadline);
          opts.logger.info('shutdown_done');
          opts.logger.flush();
          resolve(0);
        },
        (e: unknown) => {
          clearTimeout(deadline);
          opts.logger.error({ reason: (e as Error).message }, 'shutdown_failed');
          opts.logger.flush();
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
