'use strict';
// One launch template per server role (web, db, ftp, cache), carrying the cloud-init user-data that
// instance/provision renders at package time. Per role, never per instance: an instance learns
// its slot from its tags in the instance metadata (enabled here, IMDSv2 only, one hop). The
// reconcilers launch from these templates (eip and scale: web; db: db; eip also fills the FTP and
// cache slots: core/server-slots.ts).
const { loadTs } = require('../load-ts');
const { fleetPart, param } = require('../stack-params');

const ROLES = { web: 'web', db: 'db,repl', ftp: 'ftp', cache: 'cache' };
const PROFILE = { web: 'WebInstanceProfile', db: 'DbInstanceProfile', ftp: 'FtpInstanceProfile', cache: 'CacheInstanceProfile' };
// EC2 refuses user-data over 16 KB (before base64).
const USER_DATA_LIMIT = 16384;
// Where the db reconciler attaches the volume (contract 7; the user-data finds it by its label).
const DB_DEVICE = '/dev/sdf';
// The Node the servers run: the LTS line the code is tested on here.
const NODE_VERSION = '20.19.5';

// What each role's user-data needs besides the cluster's names (instance/provision/render.ts).
const REPL_MASTER = 'ssh://replserver//srv/www-master';
const ROLE_VARS = {
  web: ({ sessions }) => ({ replMaster: REPL_MASTER, sessions }),
  db: () => ({ dataDevice: DB_DEVICE, dbName: 'shelfstack' }),
  ftp: () => ({ replMaster: REPL_MASTER }),
  cache: ({ memcachedMemory }) => ({ memcachedMemory }),
};

const pascal = (s) => s[0].toUpperCase() + s.slice(1);

/**
 * Where a server starts. eip and scale name a subnet per web server (core/placement.ts: the slots
 * spread over `subnets`) and describe its network interface in the RunInstances call itself
 * (subnet, the web group, a public address: a new web server fetches its packages before its
 * slot's elastic IP reaches it, and a surge server has only that one). EC2 refuses a subnet in the
 * request next to network settings in the template (InvalidParameterCombination), so the web
 * template has none. The db reconciler names the subnet in the volume's zone, so the db template
 * has the security group alone. eip launches the FTP and cache servers from their templates alone
 * (as an operator could, README "Deployment"): theirs start in the first subnet with a public
 * address (FTP's passive mode announces it; the cache server fetches memcached through it).
 */
function network(role, firstSubnet) {
  const group = { 'Fn::GetAtt': [`${pascal(role)}SecurityGroup`, 'GroupId'] };
  if (role === 'web') return {};
  if (role === 'db') return { SecurityGroupIds: [group] };
  return { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: firstSubnet, Groups: [group], AssociatePublicIpAddress: true, DeleteOnTermination: true }] };
}

/** What is known at package time, the same for every instance of the role (contract 4). */
function userDataVars(role, { cluster, bucket, region, record, sessions, memcachedMemory }) {
  const labels = record.split('.');
  return {
    cluster,
    bucket,
    region,
    // A server's name is <slot>.<domain>, from its slot tag at boot: the record's parent domain.
    domain: labels.length > 2 ? labels.slice(1).join('.') : record,
    nodeVersion: NODE_VERSION,
    shelfstackPackage: `s3://${bucket}/artifacts/shelfstack.tgz`,
    ...ROLE_VARS[role]({ sessions, memcachedMemory }),
  };
}

module.exports = fleetPart(async (p, { resolveVariable }) => {
  const known = {
    cluster: await param(resolveVariable, 'cluster'),
    bucket: await param(resolveVariable, 'bucket'),
    region: await resolveVariable('self:provider.region'),
    record: p.record,
    sessions: p.sessions,
    memcachedMemory: p.memcachedMemory,
  };
  const render = loadTs(__filename, '../../instance/provision/render');
  const resources = {};
  for (const [role, roleTag] of Object.entries(ROLES)) {
    const vars = userDataVars(role, known);
    const userData = render.renderUserData(role, vars);
    if (Buffer.byteLength(userData) > USER_DATA_LIMIT) {
      throw new Error(`the ${role} user-data is ${Buffer.byteLength(userData)} bytes; EC2 takes at most ${USER_DATA_LIMIT}`);
    }
    const tags = [
      { Key: 'shelfstack:cluster', Value: known.cluster },
      { Key: 'shelfstack:role', Value: roleTag },
    ];
    resources[`${pascal(role)}LaunchTemplate`] = {
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: {
        LaunchTemplateName: `shelfstack-${known.cluster}-${role}`,
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: tags }],
        LaunchTemplateData: {
          ImageId: p.imageId,
          InstanceType: p.instanceType,
          IamInstanceProfile: { Arn: { 'Fn::GetAtt': [PROFILE[role], 'Arn'] } },
          ...network(role, p.subnets[0]),
          MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled' },
          UserData: { 'Fn::Base64': userData },
          TagSpecifications: [
            { ResourceType: 'instance', Tags: tags },
            { ResourceType: 'volume', Tags: tags },
          ],
        },
      },
    };
  }
  return { Resources: resources };
});
