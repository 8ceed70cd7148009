'use strict';
// `custom.fleet` in serverless.yml: the fleet switch and the fleet parameters, checked once by
// core/stack-params.ts. A missing or malformed parameter stops the package here, in one line naming
// it (the EC2 tier's own parts leave themselves empty on a bad parameter, so that serverless, which
// lists every part that fails, reports it once). serverless/plugins/fleet-switch.js reads the result.
const { fleetState } = require('./stack-params');

module.exports = async ({ resolveVariable }) => {
  try {
    const { on, params } = await fleetState(resolveVariable);
    return on ? { on, ...params, fleetConcurrency: params.fleetConcurrency ?? '' } : { on };
  } catch (e) {
    // The operator's to fix, not a bug: its one line, without a stack.
    if (e && e.name === 'StackParamError') e.stack = e.message;
    throw e;
  }
};
