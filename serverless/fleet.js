'use strict';
// The fleet's parts of the stack, switched by the `fleet` parameter (default true):
// `${file(serverless/fleet.js):functions.dns}` is serverless/functions/dns.yml,
// `${file(serverless/fleet.js):resources.web-slots}` is serverless/resources/web-slots.js (or .yml),
// `${file(serverless/fleet.js):roles.dns}` is serverless/roles/dns.yml — with the fleet on. With
// fleet=false each is nothing, so the stack is the listing pipeline alone. With the fleet on, the
// fleet parameters are checked first (core/stack-params.ts), so a missing one stops the package
// naming it, and `reservedConcurrency` of the fleet functions comes from `fleetConcurrency`
// (dropped when it is '': accounts with a low concurrency quota reject any reservation).
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');
const { fleetEnabled, fleetParams } = require('./stack-params');

const DIRS = { functions: 'functions', roles: 'roles', resources: 'resources' };

function listParts(dir) {
  return fs
    .readdirSync(path.join(__dirname, dir))
    .filter((f) => /\.(ya?ml|js)$/.test(f))
    .map((f) => ({ name: f.replace(/\.(ya?ml|js)$/, ''), file: `serverless/${dir}/${f}` }));
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

module.exports = async ({ resolveVariable }) => {
  const on = await fleetEnabled(resolveVariable);
  const params = on ? await fleetParams(resolveVariable) : undefined;
  const out = {};
  for (const [key, dir] of Object.entries(DIRS)) {
    out[key] = {};
    for (const { name, file } of listParts(dir)) {
      if (!on) out[key][name] = {};
      else if (key === 'functions') out[key][name] = functionPart(file, params.fleetConcurrency);
      else out[key][name] = `\${file(${file})}`;
    }
  }
  return new Proxy(out, {
    get(target, key) {
      return target[key] && new Proxy(target[key], { get: (parts, name) => parts[name] ?? missing(key, name) });
    },
  });
};

// A part that serverless.yml names but no file provides yet (another engineer's file before it is
// merged): packaged as nothing, said loudly; scripts/check-template.js then names what refers to it.
function missing(dir, name) {
  if (typeof name !== 'string') return undefined;
  process.emitWarning(`serverless/${dir}/${name}.* is missing: packaged without it`);
  return {};
}
