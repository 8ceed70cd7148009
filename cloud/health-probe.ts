import { hasRole, type Instance } from '../core/fleet';

export interface ProbeOptions {
  /** SHELFSTACK_HEALTH_PATH; the probe is off (no request at all) without it. */
  path?: string;
  port: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Asks each running web instance's `/healthz` (on its private IP) whether it is in service: 200
 * is yes, anything else or no answer in time is no. Off unless a path is configured, so tests
 * and the local rehearsal never reach out to addresses from (mocked) AWS responses.
 */
export async function probeInstances(instances: readonly Instance[], opts: ProbeOptions): Promise<Instance[]> {
  if (!opts.path) return [...instances];
  const doFetch = opts.fetch ?? fetch;
  return Promise.all(
    instances.map(async (i) => {
      if (i.state !== 'running' || !i.privateIp || !hasRole(i, 'web')) return i;
      try {
        const res = await doFetch(`http://${i.privateIp}:${opts.port}${opts.path}`, { signal: AbortSignal.timeout(opts.timeoutMs ?? 2000) });
        await res.body?.cancel();
        return { ...i, probeOk: res.status === 200 };
      } catch {
        return { ...i, probeOk: false };
      }
    }),
  );
}
