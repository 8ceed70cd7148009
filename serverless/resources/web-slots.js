'use strict';
// One elastic IP per web slot (`webSlots`, default 2): WebSlotAddress1 is www1's, and so on. eip
// finds them by their tags and fills each slot with a server from the web launch template.
// Lowering webSlots releases the last slots' addresses: drain those servers first.
const { fleetPart, param } = require('../stack-params');

module.exports = fleetPart(async ({ webSlots }, { resolveVariable }) => {
  const cluster = await param(resolveVariable, 'cluster');
  const Resources = {};
  const Outputs = {};
  for (let n = 1; n <= webSlots; n++) {
    Resources[`WebSlotAddress${n}`] = {
      Type: 'AWS::EC2::EIP',
      Properties: {
        Domain: 'vpc',
        Tags: [
          { Key: 'shelfstack:cluster', Value: cluster },
          { Key: 'shelfstack:slot', Value: `www${n}` },
        ],
      },
    };
    Outputs[`WebSlotAddress${n}`] = { Description: `The elastic IP of web slot www${n}`, Value: { Ref: `WebSlotAddress${n}` } };
  }
  return { Resources, Outputs };
});
