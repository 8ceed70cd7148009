// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkTemplate, loadSpec } = require('../../../scripts/check-template.js') as { checkTemplate: (t: unknown, spec?: unknown) => string[]; loadSpec: () => unknown };

describe('the CloudFormation spec check', () => {
  const spec = loadSpec();
  const good = () => ({
    Conditions: { On: { 'Fn::Equals': ['a', 'a'] } },
    Resources: {
      Group: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'x', VpcId: 'vpc-1' } },
      Template: {
        Type: 'AWS::EC2::LaunchTemplate',
        Condition: 'On',
        Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' }, SecurityGroupIds: [{ 'Fn::GetAtt': ['Group', 'GroupId'] }] } },
      },
      Address: { Type: 'AWS::EC2::EIP', DependsOn: 'Group', Properties: { Domain: 'vpc', Tags: [{ Key: 'k', Value: { 'Fn::Sub': '${Group}-${AWS::Region}' } }] } },
    },
    Outputs: { Id: { Value: { Ref: 'Template' } } },
  });

  it('passes a template that fits', () => {
    expect(checkTemplate(good(), spec)).toEqual([]);
  });

  it('catches planted errors, one line each', () => {
    const t = good() as any;
    t.Resources.Bogus = { Type: 'AWS::EC2::Volcano', Properties: {} };
    t.Resources.Group.Properties = { VpcId: 'vpc-1', Ingres: [] };
    t.Resources.Template.Properties.LaunchTemplateData.MetadataOptions.HttpToken = 'required';
    t.Resources.Template.Properties.LaunchTemplateData.SecurityGroupIds = [{ 'Fn::GetAtt': ['Group', 'Arn'] }];
    t.Resources.Template.Condition = 'Off';
    t.Resources.Address.DependsOn = ['Gone'];
    t.Resources.Address.Properties.Tags[0].Value = { 'Fn::Sub': '${Missing.Arn}' };
    t.Outputs.Id.Value = { Ref: 'Nothing' };
    expect(checkTemplate(t, spec).sort()).toEqual(
      [
        'Bogus (AWS::EC2::Volcano): unknown resource type AWS::EC2::Volcano',
        'Group (AWS::EC2::SecurityGroup): required property GroupDescription is missing',
        'Group (AWS::EC2::SecurityGroup): unknown property Ingres',
        'Template (AWS::EC2::LaunchTemplate).LaunchTemplateData.MetadataOptions: unknown property HttpToken',
        'Template (AWS::EC2::LaunchTemplate): Fn::GetAtt Group.Arn: AWS::EC2::SecurityGroup has no attribute Arn (it has GroupId, VpcId, Id)',
        'Template (AWS::EC2::LaunchTemplate): condition Off does not exist',
        'Address (AWS::EC2::EIP): DependsOn Gone names no resource',
        'Address (AWS::EC2::EIP): Fn::GetAtt Missing.Arn names no resource',
        'output Id: Ref Nothing names no resource or parameter',
      ].sort(),
    );
  });
});
