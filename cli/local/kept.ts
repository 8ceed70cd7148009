import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/**
 * What a restart of the rehearsal hands out again (issue 12 item 2): its ports and its signing key
 * live in DIR/kept.json, so a shell that sourced local.env and links signed earlier keep working.
 * A kept port that another program holds now is replaced, and the replacement is named.
 */
interface KeptFile {
  ports: Record<string, number>;
  signingKey?: string;
}

export class Kept {
  private readonly file: string;
  private readonly data: KeptFile;
  readonly moved: string[] = [];

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'kept.json');
    const read = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Partial<KeptFile>) : {};
    this.data = { ...read, ports: read.ports ?? {} };
  }

  signingKey(): string {
    this.data.signingKey ??= `local-${randomBytes(18).toString('base64url')}`;
    this.save();
    return this.data.signingKey;
  }

  /** The port kept for `name` if it is free on every host, else a new free one (kept from now on). */
  async port(name: string, hosts: string[] = ['127.0.0.1']): Promise<number> {
    const old = this.data.ports[name];
    if (old && (await allFree(old, hosts))) return old;
    let port = 0;
    for (let k = 0; k < 50 && !port; k++) {
      const candidate = await freePort(hosts[0]!);
      if (await allFree(candidate, hosts)) port = candidate;
    }
    if (!port) throw new Error(`no free port for ${name} on ${hosts.join(', ')}`);
    if (old) this.moved.push(`${name}: port ${old} is busy now, using ${port}`);
    this.data.ports[name] = port;
    this.save();
    return port;
  }

  private save(): void {
    writeFileSync(this.file, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
  }
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

async function allFree(port: number, hosts: string[]): Promise<boolean> {
  for (const h of hosts) if (!(await isFree(port, h))) return false;
  return true;
}
