/**
 * `npm run bench [-- NAME...]`: runs every bench/*.bench.ts (or those whose name contains a
 * NAME) one after the other, each in its own process so one cannot warm or starve the next.
 * Each benchmark prints its own figures and ratios. Traffic stays on loopback.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const filters = process.argv.slice(2);
const files = readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((n) => f.includes(n)))
  .sort();
if (files.length === 0) {
  console.error(`bench: nothing matches ${filters.join(' ')}`);
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, f)], {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_OPTIONS: [process.env.NODE_OPTIONS, '--openssl-legacy-provider'].filter(Boolean).join(' '),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
