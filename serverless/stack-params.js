'use strict';
// The stack's parameters as the JS parts of the stack read them: the fleet switch, and the fleet
// parameters checked by core/stack-params.ts (a missing or malformed one stops the package naming it).
const { loadTs } = require('./load-ts');

const FLEET_PARAMS = ['vpc', 'subnets', 'zoneId', 'record', 'webSlots', 'instanceType', 'ami', 'sshCidr', 'ftpCidr', 'fleetConcurrency', 'healthPort'];

const core = () => loadTs(__filename, '../core/stack-params');

async function param(resolveVariable, name) {
  const value = await resolveVariable(`param:${name}`);
  return value === null || value === undefined ? '' : String(value);
}

async function fleetEnabled(resolveVariable) {
  return core().checkFleetSwitch(await param(resolveVariable, 'fleet'));
}

async function fleetParams(resolveVariable) {
  const raw = {};
  for (const name of FLEET_PARAMS) raw[name] = await param(resolveVariable, name);
  return core().checkFleetParams(raw);
}

module.exports = { param, fleetEnabled, fleetParams, FLEET_PARAMS };
