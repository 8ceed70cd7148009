'use strict';
// The fleet's parts of the stack, switched by the `fleet` parameter (default true):
// `${file(serverless/fleet.js):functions.dns}` is serverless/functions/dns.yml,
// `${file(serverless/fleet.js):resources.web-slots}` is serverless/resources/web-slots.js (or .yml),
// `${file(serverless/fleet.js):roles.dns}` is serverless/roles/dns.yml — with the fleet on. With
// fleet=false each is nothing, so the stack is the listing pipeline alone. The fleet functions'
// `reservedConcurrency` comes from `fleetConcurrency` (dropped when it is '': accounts with a low
// concurrency quota reject any reservation).
//
// `${file(serverless/fleet.js):check}` checks the fleet parameters (core/stack-params.ts) and is the
// one place that reports a missing or malformed one: serverless resolves every part in parallel and
// would list the same error once per part, so a part with bad parameters is just left empty.
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');
const { fleetEnabled, fleetParams } = require('./stack-params');

const DIRS = ['functions', 'roles', 'resources'];

async function state(resolveVariable) {
  const on = await fleetEnabled(resolveVariable);
  return { on, params: on ? await fleetParams(resolveVariable) : undefined };
}

function functionPart(file, concurrency) {
  const fns = parse(fs.readFileSync(path.join(__dirname, '..', file), 'utf8'));
  for (const fn of Object.values(fns)) {
    if (!('reservedConcurrency' in fn)) continue;
    if (concurrency === undefined) delete fn.reservedConcurrency;
    else fn.reservedConcurrency = concurrency;
  }
  return fns;
}

function part(dir, file) {
  return async ({ resolveVariable }) => {
    let s;
    try {
      s = await state(resolveVariable);
    } catch (e) {
      if (e && e.name === 'StackParamError') return {};
      throw e;
    }
    if (!s.on) return {};
    if (!file) {
      process.emitWarning(`serverless/${dir}: no part by that name: packaged without it`);
      return {};
    }
    return dir === 'functions' ? functionPart(file, s.params.fleetConcurrency) : `\${file(${file})}`;
  };
}

function parts(dir) {
  const known = {};
  for (const f of fs.readdirSync(path.join(__dirname, dir))) {
    const m = /^(.+)\.(ya?ml|js)$/.exec(f);
    if (m) known[m[1]] = part(dir, `serverless/${dir}/${f}`);
  }
  // A part that serverless.yml names before its file exists (another engineer's, before it is
  // merged) is packaged as nothing, with a warning; scripts/check-template.js names what refers to it.
  // (Not `then`: the framework awaits what it is given, and a thenable would be taken for a promise.)
  return new Proxy(known, {
    get: (target, name) => (Object.hasOwn(target, name) ? target[name] : typeof name === 'string' && name !== 'then' ? part(dir, undefined) : undefined),
  });
}

module.exports = {
  check: async ({ resolveVariable }) => {
    try {
      const s = await state(resolveVariable);
      return s.on ? `fleet on: ${s.params.webSlots} web slots in ${s.params.vpc}` : 'fleet off: the listing pipeline alone';
    } catch (e) {
      // A bad parameter is the operator's to fix, not a bug: its one line, without a stack.
      if (e && e.name === 'StackParamError') e.stack = e.message;
      throw e;
    }
  },
  ...Object.fromEntries(DIRS.map((dir) => [dir, parts(dir)])),
};
