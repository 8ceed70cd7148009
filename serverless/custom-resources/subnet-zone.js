'use strict';
// CloudFormation custom resource Custom::SubnetZone: the availability zone of the first of
// `SubnetIds` (the db volume must be created there), after checking that every subnet is in `VpcId`.
// Inlined into the stack (serverless/resources/db-volume.js), so it uses only what the Lambda
// runtime ships: the AWS SDK v3 and node:https.
const https = require('node:https');

async function zoneOf({ SubnetIds, VpcId }, ec2) {
  const res = await ec2.describeSubnets(SubnetIds);
  const subnets = res.Subnets || [];
  for (const id of SubnetIds) {
    const s = subnets.find((x) => x.SubnetId === id);
    if (!s) throw new Error(`subnet ${id} was not found`);
    if (s.VpcId !== VpcId) throw new Error(`subnet ${id} is in ${s.VpcId}, not in the vpc parameter ${VpcId}`);
  }
  return subnets.find((x) => x.SubnetId === SubnetIds[0]).AvailabilityZone;
}

function respond(event, body) {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(text) } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(text);
  });
}

function defaultEc2() {
  const { EC2Client, DescribeSubnetsCommand } = require('@aws-sdk/client-ec2');
  const client = new EC2Client({});
  return { describeSubnets: (SubnetIds) => client.send(new DescribeSubnetsCommand({ SubnetIds })) };
}

async function handle(event, context, ec2 = defaultEc2(), send = respond) {
  const props = event.ResourceProperties || {};
  const body = {
    Status: 'SUCCESS',
    PhysicalResourceId: (props.SubnetIds || [])[0] || event.PhysicalResourceId || 'none',
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  try {
    if (event.RequestType !== 'Delete') body.Data = { AvailabilityZone: await zoneOf(props, ec2) };
  } catch (e) {
    body.Status = 'FAILED';
    body.Reason = `${e instanceof Error ? e.message : String(e)} (log stream ${context.logStreamName})`;
  }
  console.log(JSON.stringify({ event: 'subnet_zone', request: event.RequestType, status: body.Status, reason: body.Reason, zone: body.Data && body.Data.AvailabilityZone }));
  await send(event, body);
}

exports.handler = (event, context) => handle(event, context);
exports.handle = handle;
