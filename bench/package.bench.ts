/**
 * Each packaged function's zip size and the time to load its bundle in a fresh `node` process, as a
 * proxy for cold start (goals: ≤ 1 MB, ≤ 150 ms). Packages with `npm run package` first, offline.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { row } from './support';

const root = path.join(__dirname, '..');
const env = {
  ...process.env,
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: 'eu-west-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};
// Every function reads its configuration when loaded; these dummies satisfy any of them.
const functionEnv = {
  ...env,
  NODE_OPTIONS: '',
  SHELFSTACK_CLUSTER: 'bench',
  SHELFSTACK_BUCKET: 'shelfstack-bench',
  SHELFSTACK_ZONE_ID: 'Z0123456789ABCDEFGHIJ',
  SHELFSTACK_RECORD: 'www.example.com',
  SHELFSTACK_LAUNCH_TEMPLATE: 'lt-0123456789abcdef0',
  SHELFSTACK_DB_LAUNCH_TEMPLATE: 'lt-0123456789abcdef1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/** Wall-clock and CPU milliseconds of requiring the handler's file (CPU time is what a busy machine does not inflate). */
function loadMs(dir: string, handler: string): { wall: number; cpu: number } {
  const [file, exported] = handler.split(/\.(?=[^.]+$)/) as [string, string];
  const script = `const t=process.hrtime.bigint(),c=process.cpuUsage();const m=require(${JSON.stringify(path.join(dir, `${file}.js`))});if(typeof m[${JSON.stringify(exported)}]!=='function')throw new Error('no handler');const u=process.cpuUsage(c);process.stdout.write(JSON.stringify({wall:Number(process.hrtime.bigint()-t)/1e6,cpu:(u.user+u.system)/1e3}))`;
  const res = spawnSync(process.execPath, ['-e', script], { env: functionEnv, encoding: 'utf8' });
  // The last lines only: the first ones quote the minified bundle.
  if (res.status !== 0) throw new Error(`loading ${handler} failed: ${res.stderr.split('\n').slice(-15).join('\n')}`);
  return JSON.parse(res.stdout) as { wall: number; cpu: number };
}

function unzip(zip: string, to: string): void {
  const py = spawnSync('python3', ['-m', 'zipfile', '-e', zip, to]);
  if (py.status !== 0) execFileSync('unzip', ['-q', zip, '-d', to]);
}

function main() {
  // The npm script carries the stack parameters a package needs (the fleet's VPC, subnets, zone, record).
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const out = path.join(root, '.serverless');
  const template = JSON.parse(readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Handler?: string; Code?: { S3Key?: string } } }>;
  };
  const fns = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler && r.Properties.Code?.S3Key);
  console.log(`packaged functions (load = median of 5 fresh node processes, wall clock and CPU; load average ${os.loadavg()[0]!.toFixed(1)})`);
  for (const fn of fns) {
    const zipName = path.basename(fn.Properties.Code!.S3Key!);
    const zip = path.join(out, zipName);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shelfstack-pkg-'));
    unzip(zip, dir);
    const runs = Array.from({ length: 5 }, () => loadMs(dir, fn.Properties.Handler!));
    const wall = runs.map((r) => r.wall).sort((a, b) => a - b);
    const cpu = runs.map((r) => r.cpu).sort((a, b) => a - b);
    rmSync(dir, { recursive: true, force: true });
    const kb = statSync(zip).size / 1024;
    const ms = wall[2]!;
    row(
      `${zipName}`,
      `${kb.toFixed(0)} KB`,
      `${kb <= 1024 ? 'ok' : 'OVER'} (goal ≤ 1024 KB); load ${ms.toFixed(0)} ms (${wall[0]!.toFixed(0)}–${wall[4]!.toFixed(0)}), CPU ${cpu[2]!.toFixed(0)} ms (${cpu[0]!.toFixed(0)}–${cpu[4]!.toFixed(0)}) ${ms <= 150 ? 'ok' : 'OVER'} (goal ≤ 150 ms)`,
    );
  }
}

main();
