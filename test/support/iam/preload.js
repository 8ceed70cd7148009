'use strict';
// Loaded with `--require` (NODE_OPTIONS) into a process forked by a test: puts all of its AWS calls
// under the role named by SHELFSTACK_TEST_IAM_ROLE (see index.ts).
require('tsx/cjs');
require('./child.ts');
