import { buildDashboard, listenDashboard, type RunningDashboard } from '../../../cli/ops/dashboard/server';
import type { DashboardStatus } from '../../../cli/ops/dashboard/observe';
import { fetchRaw } from '../../support/web';
import { failoverStatus } from './fixture';

let running: RunningDashboard | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

function deferred() {
  let resolve!: (s: DashboardStatus) => void;
  const promise = new Promise<DashboardStatus>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the dashboard server', () => {
  it('takes one observation at a time: requests during a slow one wait for it', async () => {
    const slow = deferred();
    let calls = 0;
    const app = buildDashboard({ refreshMs: 3000, observe: () => (calls++, slow.promise) });
    running = await listenDashboard(app, '127.0.0.1', 0);
    const answers = Promise.all([1, 2, 3, 4, 5].map(() => fetch(`${running!.url}status.json`).then((r) => r.json() as Promise<{ status: DashboardStatus; html: string }>)));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(1);
    slow.resolve(failoverStatus());
    const bodies = await answers;
    expect(bodies.every((b) => b.status.cluster === 'main' && b.html.includes('<table id="instances">'))).toBe(true);
    expect(app.observations()).toBe(1);
  });

  it('reuses a reading younger than reuseMs, then observes again', async () => {
    let t = 0;
    let calls = 0;
    const app = buildDashboard({ refreshMs: 3000, reuseMs: 1000, clock: () => t, observe: async () => (calls++, failoverStatus()) });
    await app.current();
    t = 999;
    await app.current();
    expect(calls).toBe(1);
    t = 1000;
    await app.current();
    expect(calls).toBe(2);
  });

  it('serves the page, its script, /healthz; 400 for a request target that is not a URL, 404 elsewhere, 405 for other methods, 503 on /healthz once closing', async () => {
    const app = buildDashboard({ refreshMs: 4000, observe: async () => failoverStatus() });
    running = await listenDashboard(app, '127.0.0.1', 0);
    const page = await fetch(running.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('data-refresh-ms="4000"');
    const script = await fetch(`${running.url}dashboard.js`);
    expect(await script.text()).toContain("fetch('/status.json'");
    expect((await fetch(`${running.url}healthz`)).status).toBe(200);
    expect((await fetch(`${running.url}nope`)).status).toBe(404);
    expect((await fetchRaw(running.url, 'http://[')).status).toBe(400);
    const post = await fetch(running.url, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    app.close();
    expect((await fetch(`${running.url}healthz`)).status).toBe(503);
  });

  it('a reading that throws (our own bug) is a 500 for that request, and the next request observes again', async () => {
    let calls = 0;
    const app = buildDashboard({ refreshMs: 3000, reuseMs: 0, observe: async () => (++calls === 1 ? Promise.reject(new Error('bug')) : failoverStatus()) });
    running = await listenDashboard(app, '127.0.0.1', 0);
    expect((await fetch(`${running.url}status.json`)).status).toBe(500);
    expect((await fetch(`${running.url}status.json`)).status).toBe(200);
  });
});
