import { loadRole } from '../../support/iam';
import { Stack, UnresolvedTemplateError } from '../../support/iam/template';

describe('roles as packaged', () => {
  it.each(['ListingRole', 'HostsRole', 'DnsRole', 'EipRole', 'ScaleRole', 'SweepRole', 'WebInstanceRole', 'DbInstanceRole', 'FtpInstanceRole'])(
    'reads %s from serverless.yml with every variable and intrinsic resolved',
    (id) => {
      const role = loadRole(id, { params: { cluster: 'c1', bucket: 'b1', zoneId: 'Z1', record: 'www.example.com' } });
      const text = JSON.stringify(role.policies);
      expect(role.policies.length).toBeGreaterThan(0);
      expect(text).not.toMatch(/\$\{|Fn::|"Ref"/);
      expect(text).not.toMatch(/arn:aws:[a-z0-9]+:[a-z0-9-]*:[0-9]*:[^"]*shelfstack-main-/);
    },
  );

  it('names instance roles shelfstack-<cluster>-<region>-<role>, the pattern the launching roles may pass', () => {
    expect(loadRole('WebInstanceRole', { params: { cluster: 'c1' }, region: 'eu-west-1' }).arn).toBe('arn:aws:iam::123456789012:role/shelfstack-c1-eu-west-1-web');
  });

  it('resolves Fn::GetAtt of a queue to its ARN and a parameter default through ${self:…} and ${opt:region, …}', () => {
    const s = new Stack({ params: { cluster: 'c1' }, region: 'eu-west-1' });
    expect(s.resolve({ 'Fn::GetAtt': ['UploadsQueue', 'Arn'] })).toBe('arn:aws:sqs:eu-west-1:123456789012:shelfstack-c1-uploads');
    expect(s.param('bucket')).toBe('shelfstack-c1-eu-west-1');
    expect(s.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:launch-template/${WebLaunchTemplate}' })).toMatch(
      /^arn:aws:ec2:eu-west-1:123456789012:launch-template\/lt-0[0-9a-f]{16}$/,
    );
  });

  it('fails loudly on what it cannot resolve', () => {
    const s = new Stack();
    expect(() => s.resolve('${param:nope}')).toThrow(UnresolvedTemplateError);
    expect(() => s.resolve({ Ref: 'NoSuchThing' })).toThrow(/no resource NoSuchThing/);
    expect(() => s.resolve({ 'Fn::ImportValue': 'x' })).toThrow(/not modelled/);
    expect(() => s.resolve({ 'Fn::GetAtt': ['UploadsQueue', 'QueueName'] })).toThrow(/not modelled/);
    expect(() => loadRole('UploadsQueue')).toThrow(/not an AWS::IAM::Role/);
  });
});
