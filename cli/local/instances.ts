import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import type { FleetState, InstanceRec } from './fleet-emulator/state';
import { readUserData, withFlags } from './instance-boot';
import { startDbServer, type DbServer } from './db-instance';

/**
 * The fleet's instances as real processes. A web instance is one process group (`sh` as its
 * leader) that runs `shelfstack init`, then `shelfstack web` and `shelfstack agent` as separate
 * processes, with the environment file and commands of its launch template's user data. The
 * emulator's state drives it: pending boots, stopping suspends (SIGSTOP), starting resumes,
 * shutting-down kills the group. A db instance runs a MariaDB on the data folder of the volume
 * attached to it, so a replacement holding the moved volume serves the same data.
 */
export interface InstanceRunnerOptions {
  dir: string;
  snapshot: () => FleetState;
  /** Environment every instance gets on top of its env file: endpoints, credentials. */
  baseEnv: Record<string, string>;
  /** The HTTP port every web instance listens on at its private address (the slot port). */
  webPort: number;
  dbPort: number;
  /** A free loopback port for an instance's cache admin endpoints. */
  freePort: () => Promise<number>;
  onLine: (event: string, fields: Record<string, unknown>) => void;
}

interface Running {
  id: string;
  role: string;
  group?: ChildProcess;
  db?: DbServer;
  suspended: boolean;
  booting?: Promise<void>;
}

const BIN = path.join(__dirname, '..', '..', 'bin', 'shelfstack.js');
const ALIVE = new Set(['pending', 'running']);

export class InstanceRunner {
  private readonly running = new Map<string, Running>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly opts: InstanceRunnerOptions) {}

  start(): void {
    this.timer = setInterval(() => this.reconcile(), 300);
    this.timer.unref();
    this.reconcile();
  }

  /** The instance's private address, once its processes were started. */
  has(id: string): boolean {
    return this.running.has(id);
  }

  reconcile(): void {
    if (this.stopped) return;
    const state = this.opts.snapshot();
    for (const i of state.instances) {
      const r = this.running.get(i.id);
      const role = i.tags['shelfstack:role'] ?? '';
      if (!r && ALIVE.has(i.state) && (role.split(',').includes('web') || role.split(',').includes('db'))) {
        const rec: Running = { id: i.id, role: role.includes('web') ? 'web' : 'db', suspended: false };
        this.running.set(i.id, rec);
        rec.booting = this.boot(rec, i).catch((e: unknown) => this.opts.onLine('local_instance_boot_failed', { instance: i.id, reason: e instanceof Error ? e.message : String(e) }));
        continue;
      }
      if (!r) continue;
      // A stopped db instance is powered off: its MariaDB shuts down and lets go of the volume's
      // files (a suspended one would keep their locks from the replacement). Starting boots it again.
      if ((i.state === 'stopping' || i.state === 'stopped') && r.role === 'db') void this.kill(r);
      else if (i.state === 'stopping' || i.state === 'stopped') this.suspend(r, true);
      else if (ALIVE.has(i.state)) this.suspend(r, false);
      else void this.kill(r);
    }
    for (const r of this.running.values()) if (!state.instances.some((i) => i.id === r.id)) void this.kill(r);
  }

  private async boot(r: Running, i: InstanceRec): Promise<void> {
    const home = path.join(this.opts.dir, 'instances', i.id);
    mkdirSync(home, { recursive: true });
    const log = openSync(path.join(this.opts.dir, 'logs', `${i.id}.log`), 'a');
    const plan = readUserData(i.userData);
    const env: Record<string, string> = {
      ...plan.env,
      ...this.opts.baseEnv,
      SHELFSTACK_INSTANCE_ID: i.id,
      SHELFSTACK_ROLE: i.tags['shelfstack:role'] ?? r.role,
      SHELFSTACK_BOOT_ENV: path.join(home, 'boot.env'),
      SHELFSTACK_HOSTS_FILE: path.join(home, 'hosts'),
      SHELFSTACK_CLOUD_INIT_CFG: path.join(home, '99-shelfstack.cfg'),
      SHELFSTACK_PHP_CONF_DIR: path.join(home, 'php'),
      SHELFSTACK_AGENT_WAIT_SECONDS: '1',
    };
    const units = ['shelfstack-init.service', 'shelfstack-agent.service'];
    const exec: Record<string, string[]> = {};
    if (r.role === 'web') {
      Object.assign(env, {
        SHELFSTACK_LISTING_DIR: path.join(home, 'listing'),
        SHELFSTACK_CACHE_DIR: path.join(home, 'cache'),
        SHELFSTACK_CACHE_ADMIN_URL: `http://127.0.0.1:${await this.opts.freePort()}`,
      });
      units.push('shelfstack-web.service');
      // No nginx in front: the download server itself answers on the instance's address and the slot port.
      exec['shelfstack-web.service'] = withFlags(plan.exec['shelfstack-web.service'] ?? ['@', 'web'], { host: i.privateIp, port: String(this.opts.webPort), 'x-accel-redirect': undefined });
    } else {
      const volume = await this.waitForVolume(i.id);
      if (!volume || this.stopped) return;
      r.db = await startDbServer({ dataDir: path.join(this.opts.dir, 'volumes', volume), home, host: i.privateIp, port: this.opts.dbPort, log });
      // init creates the database and its user as root over TCP on the instance's address (the
      // throwaway server's root has no password), not through the system socket the env file names.
      Object.assign(env, { SHELFSTACK_DB_HOST: i.privateIp, SHELFSTACK_DB_PORT: String(this.opts.dbPort) });
      delete env.SHELFSTACK_DB_ADMIN_SOCKET;
    }
    const cmd = (unit: string) => {
      const argv = exec[unit] ?? plan.exec[unit];
      if (!argv) throw new Error(`the user data has no ${unit}`);
      return [process.execPath, BIN, ...argv.slice(1)].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    };
    // As systemd orders them: init first (its boot.env feeds the others), then the services side by side.
    const script = [
      `${cmd('shelfstack-init.service')} || echo "shelfstack init failed: $?" >&2`,
      `[ -f "$SHELFSTACK_BOOT_ENV" ] && { set -a; . "$SHELFSTACK_BOOT_ENV"; set +a; }`,
      ...units.slice(1).map((u) => `${cmd(u)} &`),
      'wait',
    ].join('\n');
    if (this.stopped) return closeSync(log);
    r.group = spawn('/bin/sh', ['-c', script], { detached: true, env, stdio: ['ignore', log, log] });
    closeSync(log);
    r.group.on('exit', () => (r.group = undefined));
    this.opts.onLine('local_instance_booted', { instance: i.id, role: r.role, address: i.privateIp, pid: r.group.pid });
  }

  private async waitForVolume(id: string): Promise<string | undefined> {
    for (;;) {
      if (this.stopped || !this.running.has(id)) return undefined;
      const v = this.opts.snapshot().volumes.find((x) => x.attachment?.instanceId === id && x.attachment.state === 'attached' && x.tags['shelfstack:slot'] === 'db');
      if (v) return v.id;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  private signal(r: Running, sig: NodeJS.Signals): void {
    for (const pid of [r.group?.pid, r.db?.pid]) {
      if (!pid) continue;
      try {
        process.kill(-pid, sig);
      } catch {
        // The group has gone already.
      }
    }
  }

  private suspend(r: Running, suspend: boolean): void {
    if (r.suspended === suspend) return;
    r.suspended = suspend;
    this.signal(r, suspend ? 'SIGSTOP' : 'SIGCONT');
    this.opts.onLine(suspend ? 'local_instance_suspended' : 'local_instance_resumed', { instance: r.id });
  }

  private async kill(r: Running): Promise<void> {
    if (!this.running.has(r.id)) return;
    this.running.delete(r.id);
    this.signal(r, 'SIGTERM');
    this.signal(r, 'SIGCONT');
    const gone = (pid?: number) => {
      if (!pid) return true;
      try {
        process.kill(-pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    for (let k = 0; k < 30 && !(gone(r.group?.pid) && gone(r.db?.pid)); k++) await new Promise((resolve) => setTimeout(resolve, 100));
    this.signal(r, 'SIGKILL');
    this.opts.onLine('local_instance_killed', { instance: r.id });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([...this.running.values()].map((r) => r.booting));
    await Promise.all([...this.running.values()].map((r) => this.kill(r)));
  }
}
