import type { CacheControl, SweepResult } from './cache-control';

/**
 * The agent's way to the download cache when it runs as its own process (as on EC2, where the web
 * server owns the cache): the web server's admin endpoints on loopback. The contract with the web
 * tier: `POST <base>/admin/cache/sweep` → SweepResult JSON; `POST <base>/admin/cache/invalidate`
 * with `{"book","file"}` → `{"removed": boolean}`. In one process (the local rehearsal, tests) pass
 * the cache itself as the agent's CacheControl instead.
 */
export class CacheAdminClient implements CacheControl {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 60_000,
  ) {
    const host = new URL(baseUrl).hostname;
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) throw new Error(`cache admin URL must be on loopback: ${baseUrl}`);
  }

  async sweep(): Promise<SweepResult> {
    return (await this.post('/admin/cache/sweep', {})) as SweepResult;
  }

  async invalidate(book: string, file: string): Promise<boolean> {
    const res = (await this.post('/admin/cache/invalidate', { book, file })) as { removed?: boolean };
    return res.removed === true;
  }

  private async post(path: string, body: object): Promise<unknown> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`cache admin ${path} answered ${res.status}`);
    return res.json();
  }
}
