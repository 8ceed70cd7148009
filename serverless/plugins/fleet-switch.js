'use strict';
// The fleet switch (param `fleet`, checked into `custom.fleet` by serverless/fleet-check.js), applied
// once the configuration is resolved and before anything is compiled or bundled:
// - fleet=false: only the listing pipeline is packaged, i.e. the functions of LISTING_FUNCTIONS and
//   the resources and outputs of LISTING_RESOURCES; every fleet function (with its events), role,
//   rule, queue, alarm and EC2 resource is left out.
// - fleet on: a function that reserves concurrency (`reservedConcurrency` in its file: one run at a
//   time) reserves `fleetConcurrency` instead, or none when it is '' (accounts whose concurrency
//   quota is too low to reserve any reject the deploy otherwise).
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');

const ROOT = path.join(__dirname, '..', '..');
const LISTING_FUNCTIONS = ['serverless/functions/listing.yml'];
const LISTING_RESOURCES = ['serverless/resources/conditions.yml', 'serverless/resources/bucket.yml', 'serverless/resources/uploads-queue.yml', 'serverless/roles/listing.yml'];

const read = (file) => parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) ?? {};
/** The top-level keys of files (function names), or of one section of them (Resources, Outputs). */
const keysOf = (files, section) => new Set(files.flatMap((f) => Object.keys((section ? read(f)[section] : read(f)) ?? {})));

function keepOnly(map, keep) {
  for (const key of Object.keys(map ?? {})) if (!keep.has(key)) delete map[key];
}

/** Applies the switch to a resolved service ({functions, resources: {Resources, Outputs}}). */
function applyFleetSwitch(service, fleet) {
  if (!fleet || typeof fleet.on !== 'boolean') throw new Error('custom.fleet must be ${file(serverless/fleet-check.js)}');
  if (!fleet.on) {
    keepOnly(service.functions, keysOf(LISTING_FUNCTIONS));
    keepOnly(service.resources.Resources, keysOf(LISTING_RESOURCES, 'Resources'));
    keepOnly(service.resources.Outputs, keysOf(LISTING_RESOURCES, 'Outputs'));
    return;
  }
  for (const fn of Object.values(service.functions ?? {})) {
    if (!('reservedConcurrency' in fn)) continue;
    if (fleet.fleetConcurrency === '') delete fn.reservedConcurrency;
    else fn.reservedConcurrency = fleet.fleetConcurrency;
  }
}

class FleetSwitch {
  constructor(serverless) {
    this.hooks = { initialize: () => applyFleetSwitch(serverless.service, serverless.service.custom.fleet) };
  }
}

module.exports = FleetSwitch;
module.exports.applyFleetSwitch = applyFleetSwitch;
