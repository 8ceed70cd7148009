'use strict';
// The stack's parameters as the JS parts of the stack read them: the fleet switch, and the fleet
// parameters checked by core/stack-params.ts.
const { loadTs } = require('./load-ts');

const FLEET_PARAMS = ['vpc', 'subnets', 'zoneId', 'record', 'webSlots', 'instanceType', 'ami', 'sshCidr', 'ftpCidr', 'fleetConcurrency', 'healthPort', 'sessions', 'memcachedMemory'];

const core = () => loadTs(__filename, '../core/stack-params');

async function param(resolveVariable, name) {
  const value = await resolveVariable(`param:${name}`);
  return value === null || value === undefined ? '' : String(value);
}

/** `{on: false}`, or `{on: true, params}` with the fleet parameters checked (throws StackParamError). */
async function fleetState(resolveVariable) {
  const on = core().checkFleetSwitch(await param(resolveVariable, 'fleet'));
  if (!on) return { on };
  const raw = {};
  for (const name of FLEET_PARAMS) raw[name] = await param(resolveVariable, name);
  return { on, params: core().checkFleetParams(raw) };
}

/**
 * A part of the EC2 tier: `build(params)` with the fleet on, nothing with it off, and nothing on a
 * bad parameter either (serverless/fleet-check.js reports that one, once).
 */
function fleetPart(build) {
  return async (ctx) => {
    let state;
    try {
      state = await fleetState(ctx.resolveVariable);
    } catch (e) {
      if (e && e.name === 'StackParamError') return { Resources: {} };
      throw e;
    }
    return state.on ? build(state.params, ctx) : { Resources: {} };
  };
}

module.exports = { param, fleetState, fleetPart, FLEET_PARAMS };
