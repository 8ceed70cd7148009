import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';
import type { WebApp } from './app';

/**
 * Starts a built web app on a port and stops it gracefully: stop accepting, let in-flight
 * downloads finish, and cut whatever is left at the deadline.
 */
export interface RunningWeb {
  port: number;
  url: string;
  stop(deadlineMs?: number): Promise<{ cut: number }>;
}

export async function listenWeb(app: WebApp, opts: { port: number; host: string; logger: Logger }): Promise<RunningWeb> {
  await app.cache.start();
  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(opts.port, opts.host, () => {
      app.server.off('error', reject);
      resolve();
    });
  });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`;
  opts.logger.info({ port, host: opts.host }, 'web_listening');

  let stopping: Promise<{ cut: number }> | undefined;
  const stop = (deadlineMs = 30_000) =>
    (stopping ??= (async () => {
      app.startDraining();
      const startedAt = Date.now();
      const closed = new Promise<void>((resolve) => app.server.close(() => resolve()));
      opts.logger.info({ in_flight: app.inFlight, deadline_ms: deadlineMs }, 'web_draining');
      // Keep-alive connections with no request in progress would otherwise hold close() open.
      const idle = setInterval(() => app.server.closeIdleConnections(), 200);
      let cut = 0;
      const deadline = setTimeout(() => {
        cut = app.inFlight;
        app.server.closeAllConnections();
      }, deadlineMs);
      app.server.closeIdleConnections();
      await closed;
      clearInterval(idle);
      // Fills whose customers are all served still finish into the cache, within what is left of the deadline.
      await Promise.race([app.cache.stop(), new Promise((r) => setTimeout(r, Math.max(0, deadlineMs - (Date.now() - startedAt))).unref())]);
      clearTimeout(deadline);
      opts.logger.info({ cut }, 'web_stopped');
      return { cut };
    })());
  return { port, url, stop };
}
