import path from 'node:path';

// The custom resource inlined into the stack for the db volume's zone, with EC2 answering in
// DescribeSubnets' shape and the response to CloudFormation captured.
type Body = { Status: string; Reason?: string; PhysicalResourceId: string; Data?: { AvailabilityZone: string }; RequestId: string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handle } = require(path.join(__dirname, '../../../serverless/custom-resources/subnet-zone.js')) as {
  handle: (event: object, context: object, ec2: { describeSubnets: (ids: string[]) => Promise<object> }, send: (e: object, b: Body) => Promise<void>) => Promise<void>;
};

const subnets = {
  Subnets: [
    { SubnetId: 'subnet-0fedcba9876543210', VpcId: 'vpc-0123456789abcdef0', AvailabilityZone: 'eu-west-1b', State: 'available' },
    { SubnetId: 'subnet-0123456789abcdef0', VpcId: 'vpc-0123456789abcdef0', AvailabilityZone: 'eu-west-1a', State: 'available' },
  ],
};
const event = (type: string, props: object) => ({
  RequestType: type,
  ResponseURL: 'https://cloudformation-custom-resource-response.example/',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/shelfstack-dev/1',
  RequestId: 'req-1',
  LogicalResourceId: 'SubnetZone',
  ResourceType: 'Custom::SubnetZone',
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x', ...props },
});

let log: jest.SpyInstance;
beforeEach(() => {
  log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => log.mockRestore());

async function call(type: string, props: object, answer: object = subnets) {
  const asked: string[][] = [];
  const sent: Body[] = [];
  await handle(event(type, props), { logStreamName: 'stream-1' }, { describeSubnets: async (ids) => (asked.push(ids), answer) }, async (_e, b) => void sent.push(b));
  return { asked, sent };
}

describe('Custom::SubnetZone', () => {
  const props = { SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'], VpcId: 'vpc-0123456789abcdef0' };

  it('answers the zone of the first subnet, whatever order EC2 lists them in', async () => {
    const { asked, sent } = await call('Create', props);
    expect(asked).toEqual([props.SubnetIds]);
    expect(sent).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'subnet-0123456789abcdef0', Data: { AvailabilityZone: 'eu-west-1a' }, RequestId: 'req-1' })]);
    expect(JSON.parse(log.mock.calls[0]![0] as string)).toEqual({ event: 'subnet_zone', request: 'Create', status: 'SUCCESS', zone: 'eu-west-1a' });
  });

  it('fails the deploy, saying why, when a subnet is in another VPC', async () => {
    const { sent } = await call('Update', { ...props, VpcId: 'vpc-0aaaaaaaaaaaaaaaa' });
    expect(sent[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/subnet subnet-0123456789abcdef0 is in vpc-0123456789abcdef0, not in the vpc parameter vpc-0aaaaaaaaaaaaaaaa \(log stream stream-1\)/) });
  });

  it('fails when EC2 does not list a subnet', async () => {
    const { sent } = await call('Create', props, { Subnets: [subnets.Subnets[0]] });
    expect(sent[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('subnet subnet-0123456789abcdef0 was not found') });
  });

  it('deletes as a no-op, asking EC2 nothing', async () => {
    const { asked, sent } = await call('Delete', props);
    expect(asked).toEqual([]);
    expect(sent[0]).toMatchObject({ Status: 'SUCCESS' });
  });
});
