import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines in the same shape as Powertools Logger in Lambda: `level`, `message` (a stable
 * snake_case event name), `service`, `timestamp`, then the ids that matter.
 */
export function createLogger(service: string, opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.SHELFSTACK_LOG_LEVEL ?? 'info',
      messageKey: 'message',
      base: { service },
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    },
    (opts.destination ?? pino.destination({ fd: 1, sync: false })) as pino.DestinationStream,
  );
}

/** A logger that drops everything, for library calls that take one optionally. */
export const silentLogger: Logger = pino({ level: 'silent' });
