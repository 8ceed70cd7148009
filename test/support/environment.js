'use strict';
// The tests' jest environment: node's, plus removing the temp folders `tempDir()` made in a test
// file once the whole file is done (after its own afterAll hooks have stopped the servers and
// processes that wrote there; an afterAll of the helper itself would run before them).
const { rmSync } = require('node:fs');
const { TestEnvironment } = require('jest-environment-node');

const TEMP_DIRS = '__shelfstackTempDirs';

class ShelfstackEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    this.global[TEMP_DIRS] = [];
  }

  async teardown() {
    for (const dir of this.global[TEMP_DIRS] ?? []) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    await super.teardown();
  }
}

module.exports = ShelfstackEnvironment;
