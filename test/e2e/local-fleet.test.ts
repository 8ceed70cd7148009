import { createSocket } from 'node:dgram';
import { rm } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { decode, encode } from 'dns-packet';
import { createConnection } from 'mysql2/promise';
import { runDrill } from '../../cli/local/drill-run';
import { LOCAL_FLEET_SETTINGS } from '../../cli/local/fleet';
import { startLocalStack, type LocalStack } from '../../cli/local/stack';
import { signedPath } from '../../core/signing';
import { tempDir } from '../support/emulators';
import { pollUntil } from '../support/poll';
import { REHEARSAL_ROUTES, useIamRoles } from '../support/iam';

// The fleet functions and the rehearsal's own calls in this process; the instances are processes of their own.
useIamRoles(REHEARSAL_ROUTES, { params: { cluster: 'local', bucket: 'shelfstack-local' } });

/** The record as the rehearsal's DNS server answers it. */
function dig(port: number, name: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('no DNS answer within 1 s'));
    }, 1000);
    s.on('message', (msg) => {
      clearTimeout(timer);
      s.close();
      resolve((decode(msg).answers ?? []).map((a) => String((a as { data: unknown }).data)).sort());
    });
    s.send(encode({ type: 'query', id: 7, flags: 0x0100, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
  });
}

describe('the rehearsal\'s fleet heals with no other step', () => {
  let stack: LocalStack;
  let dir: string;
  const saved = { ...process.env };
  const quiet = () => undefined;
  beforeAll(async () => {
    dir = await tempDir('shelfstack-fleet-');
    const t0 = Date.now();
    stack = await startLocalStack({ dir, webCount: 2, readyTimeoutMs: 60_000 });
    console.log(`rehearsal up in ${Date.now() - t0} ms`);
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  }, 30_000);

  /** Polls the DNS answer while `during` runs: every answer it got, none of them may be empty. */
  async function watchingDns<T>(during: () => Promise<T>): Promise<{ result: T; answers: string[][] }> {
    const answers: string[][] = [];
    let done = false;
    const poller = (async () => {
      while (!done) {
        answers.push(await dig(stack.info.fleet.dns.port, stack.info.fleet.record));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      return { result: await during(), answers };
    } finally {
      done = true;
      await poller;
    }
  }

  it('answers the record with both slots\' elastic IPs', async () => {
    const slots = Object.values(stack.info.fleet.slots).map((s) => s.address).sort();
    await pollUntil('the record to hold both slots', async () => (await dig(stack.info.fleet.dns.port, 'www.shelfstack.local')).join() === slots.join(), 20_000);
  });

  it('serves the dashboard at local.json\'s fleet.dashboard: every slot\'s address held by a healthy server, the record in sync, each slot\'s metrics', async () => {
    type Reading = { ok: boolean; value?: { addresses: { slot?: string; holderHealth: string }[]; dns: { differs: boolean } } };
    const read = async () => ((await (await fetch(new URL('status.json', stack.info.fleet.dashboard!))).json()) as { status: { fleet: Reading; web: { name: string; ok: boolean }[] } }).status;
    await pollUntil('the dashboard to show both slots held and the record in sync', async () => {
      const s = await read();
      const held = s.fleet.value?.addresses.filter((a) => a.slot && a.holderHealth === 'healthy').length;
      return s.fleet.ok && held === 2 && s.fleet.value!.dns.differs === false;
    }, 20_000);
    expect((await read()).web.map((w) => [w.name, w.ok, (w as { error?: string }).error])).toEqual([['www1', true, undefined], ['www2', true, undefined]]);
    expect(await (await fetch(stack.info.fleet.dashboard!)).text()).toContain('www.shelfstack.local');
  });

  it('kill www2: the same elastic IP serves a signed download from the replacement, and DNS is never empty', async () => {
    const ref = { book: 'FLT1', file: 'Kill Drill_1.mp3' };
    await stack.s3.send(new PutObjectCommand({ Bucket: 'shelfstack-local', Key: `audiobooks/${ref.book}/${ref.file}`, Body: 'chapter one' }));
    const link = signedPath(stack.signingKey, ref, Math.floor(Date.now() / 1000) + 600);
    const eip = stack.webs.find((w) => w.name === 'www2')!.eipUrl;
    await pollUntil('www2 to serve the chunk', async () => (await fetch(`${eip}${link}`)).status === 200, 20_000);

    const { result, answers } = await watchingDns(() => runDrill(dir, 'kill', 'www2', quiet, 60_000));
    expect(answers.length).toBeGreaterThan(3);
    expect(answers.filter((a) => a.length === 0)).toEqual([]);
    const holder = result.healed.eips.www2!.holder;
    expect(holder).toBeDefined();
    expect(holder).not.toBe(result.victim);
    expect(await dig(stack.info.fleet.dns.port, stack.info.fleet.record)).toEqual(Object.values(stack.info.fleet.slots).map((s) => s.address).sort());
    // The replacement syncs its listing at boot: the same address serves the download, from it.
    const body = await pollUntil('the elastic IP to serve from the replacement', async () => {
      const res = await fetch(`${eip}${link}`);
      return res.status === 200 ? res.text() : undefined;
    }, 20_000);
    expect(body).toBe('chapter one');
  }, 90_000);

  it('stop db: the replacement holds the same data, and dbserver is republished', async () => {
    const port = stack.fleet.dbPort;
    const before = await pollUntil('dbserver to answer', async () => {
      const state = stack.fleet.snapshot();
      const vol = state.volumes.find((v) => v.tags['shelfstack:slot'] === 'db');
      const i = state.instances.find((x) => x.id === vol?.attachment?.instanceId && x.state === 'running');
      return i && (await createConnection({ host: i.privateIp, port, user: 'root' }).catch(() => undefined));
    }, 30_000);
    await before!.query('CREATE DATABASE IF NOT EXISTS drill');
    await before!.query('CREATE TABLE IF NOT EXISTS drill.marks (note VARCHAR(40))');
    await before!.query("INSERT INTO drill.marks VALUES ('written before the stop')");
    await before!.end();

    const { victim, healed } = await runDrill(dir, 'stop', 'db', quiet, 60_000);
    expect(healed.volumeHolder).not.toBe(victim);
    const after = await createConnection({ host: healed.dbserver!, port, user: 'root' });
    const [rows] = await after.query('SELECT note FROM drill.marks');
    await after.end();
    expect(rows).toEqual([{ note: 'written before the stop' }]);
  }, 90_000);

  it('newsletter: the surge server joins the record, leaves it, and is terminated only after TTL + grace', async () => {
    const { milestones, healed } = await runDrill(dir, 'newsletter', undefined, quiet, 90_000);
    const at = (pattern: RegExp) => milestones.find((m) => pattern.test(m.what))?.at;
    const drained = milestones.filter((m) => /^record /.test(m.what)).at(-1)!.at;
    const terminating = at(/\(surge newsletter\) (shutting-down|terminated)/)!;
    // The drill polls every 200 ms: the record change is seen up to one poll late.
    expect(terminating - drained).toBeGreaterThanOrEqual((LOCAL_FLEET_SETTINGS.ttl + LOCAL_FLEET_SETTINGS.drainGrace) * 1000 - 1000);
    expect(healed.instances.filter((i) => i.surge).every((i) => i.state === 'terminated')).toBe(true);
  }, 120_000);
});
