#!/usr/bin/env node
'use strict';
// `npm test`: brings up what the tests need, type-checks, then runs jest. Extra arguments go to jest.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureRequirements } = require('./requirements');
const { ensureMariadb } = require('./mariadb');

ensureRequirements('test');
let db;
try {
  db = ensureMariadb();
} catch (e) {
  console.error(`npm test: no MariaDB for the backup tests: ${e.message}`);
  process.exit(1);
}
process.on('exit', () => db.stop());

const env = {
  ...process.env,
  SHELFSTACK_TEST_DB_PORT: String(db.port),
  // s3rver's continuation tokens use DES (TOOLCHAIN.md).
  NODE_OPTIONS: [process.env.NODE_OPTIONS, '--openssl-legacy-provider'].filter(Boolean).join(' '),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

function run(cmd, args) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (res.error) {
    console.error(`npm test: ${cmd} failed to start: ${res.error.message}`);
    process.exit(1);
  }
  if (res.status !== 0) process.exit(res.status ?? 1);
}


const jestArgs = process.argv.slice(2);
if (jestArgs.length === 0) run('npx', ['tsc', '--noEmit']);

// The run gets a temp folder of its own (TMPDIR for jest and everything it forks), so what a run
// leaves behind is its own and nobody else's: counted below, and a run that leaves any fails.
const systemTmp = os.tmpdir();
const runTmp = fs.mkdtempSync(path.join(systemTmp, 'shelfstack-test-run-'));
// As /tmp is (mkdtemp makes it 0700): the tests run servers as other users (mariadb-install-db as mysql).
fs.chmodSync(runTmp, 0o1777);
const runDir = fs.mkdtempSync(path.join(systemTmp, 'shelfstack-jest-'));
const results = path.join(runDir, 'results.json');
// jest's cache stays where jest keeps it by default (os.tmpdir() before the change), across runs.
const cacheDir = path.join(systemTmp, `jest_${(process.getuid?.() ?? 0).toString(36)}`);
const res = spawnSync('npx', ['jest', '--json', `--outputFile=${results}`, `--cacheDirectory=${cacheDir}`, ...jestArgs], {
  stdio: 'inherit',
  env: { ...env, TMPDIR: runTmp },
});
let summary;
try {
  summary = JSON.parse(fs.readFileSync(results, 'utf8'));
} catch {
  summary = undefined;
}
fs.rmSync(runDir, { recursive: true, force: true });
// Only ours count: tools keep caches there too (tsx-<uid>).
const left = fs.readdirSync(runTmp).filter((name) => name.startsWith('shelfstack-'));
fs.rmSync(runTmp, { recursive: true, force: true });
if (summary) {
  const failed = summary.numFailedTests + (summary.numRuntimeErrorTestSuites ?? 0);
  console.log(`\n${summary.numPassedTests} passed, ${failed} failed`);
}
if (left.length > 0) {
  console.error(`npm test: the run left ${left.length} entries in the temp folder (removed now): ${left.slice(0, 10).join(', ')}`);
  process.exit(res.status || 1);
}
process.exit(res.status ?? 1);
