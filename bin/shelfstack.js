#!/usr/bin/env node
'use strict';
// The pinned SDK supports Node 20; its notice about future releases is not the operator's concern.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The CLI is TypeScript run through tsx, so `npm ci` leaves `npx shelfstack` working with no build step.
require('tsx/cjs');
require('../cli/main.ts').runCli();
