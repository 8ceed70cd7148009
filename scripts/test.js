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

// jest's own summary, then one plain closing line that any CI reads the same way.
const results = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'shelfstack-jest-')), 'results.json');
const res = spawnSync('npx', ['jest', '--json', `--outputFile=${results}`, ...jestArgs], { stdio: 'inherit', env });
let summary;
try {
  summary = JSON.parse(fs.readFileSync(results, 'utf8'));
} catch {
  summary = undefined;
}
if (summary) {
  const failed = summary.numFailedTests + (summary.numRuntimeErrorTestSuites ?? 0);
  console.log(`\n${summary.numPassedTests} passed, ${failed} failed`);
}
process.exit(res.status ?? 1);
