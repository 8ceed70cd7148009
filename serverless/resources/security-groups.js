'use strict';
// The servers' security groups. In: web 80/443 from anywhere; db 3306 from the web group only;
// FTP 21 and its passive range from `ftpCidr`; memcached 11211 on the cache server from the web
// group only (its PHP sessions); SSH from `sshCidr` on every group, or closed when it is ''; and SSH to replserver (the db server) from the web and FTP groups, which Unison and rsync
// use for the master copy of samples and podcasts (README, "Replication"). Out: HTTP and HTTPS
// anywhere (Debian mirrors, Node and the AWS APIs), MySQL and SSH to the db group, memcached from
// the web group to the cache group; nothing else.
const { loadTs } = require('../load-ts');
const { fleetPart, param } = require('../stack-params');

const tcp = (port, to = port) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: to });
// SHELFSTACK_MEMCACHED's port (instance/provision/render.ts, MEMCACHED_ADDRESS).
const MEMCACHED_PORT = 11211;
const group = (id) => ({ 'Fn::GetAtt': [id, 'GroupId'] });

module.exports = fleetPart(async (p, { resolveVariable }) => {
  const cluster = await param(resolveVariable, 'cluster');
  const { FTP_PASSIVE_PORTS } = loadTs(__filename, '../../core/stack-params');
  const ssh = p.sshCidr ? [{ ...tcp(22), CidrIp: p.sshCidr, Description: 'SSH from sshCidr' }] : [];
  const webOut = [
    { ...tcp(80), CidrIp: '0.0.0.0/0', Description: 'HTTP out: package mirrors' },
    { ...tcp(443), CidrIp: '0.0.0.0/0', Description: 'HTTPS out: AWS APIs, Node, npm' },
  ];
  const sg = (role, description, ingress) => ({
    Type: 'AWS::EC2::SecurityGroup',
    Properties: {
      GroupName: `shelfstack-${cluster}-${role}`,
      GroupDescription: description,
      VpcId: p.vpc,
      SecurityGroupIngress: [...ingress, ...ssh],
      SecurityGroupEgress: webOut,
      Tags: [{ Key: 'shelfstack:cluster', Value: cluster }, { Key: 'shelfstack:role', Value: role }],
    },
  });
  const between = (type, groupId, other, port, description) => ({
    Type: type,
    Properties: {
      GroupId: group(groupId),
      ...tcp(port),
      [type.endsWith('Ingress') ? 'SourceSecurityGroupId' : 'DestinationSecurityGroupId']: group(other),
      Description: description,
    },
  });
  return {
    Resources: {
      WebSecurityGroup: sg('web', 'shelfstack web servers: HTTP and HTTPS from anywhere', [
        { ...tcp(80), CidrIp: '0.0.0.0/0', Description: 'HTTP' },
        { ...tcp(443), CidrIp: '0.0.0.0/0', Description: 'HTTPS' },
        { ...tcp(80), CidrIpv6: '::/0', Description: 'HTTP (IPv6)' },
        { ...tcp(443), CidrIpv6: '::/0', Description: 'HTTPS (IPv6)' },
      ]),
      DbSecurityGroup: sg('db', 'shelfstack database server: MySQL from the web servers', []),
      FtpSecurityGroup: sg('ftp', 'shelfstack FTP server: control and passive data ports from ftpCidr', [
        { ...tcp(21), CidrIp: p.ftpCidr, Description: 'FTP control' },
        { ...tcp(FTP_PASSIVE_PORTS.min, FTP_PASSIVE_PORTS.max), CidrIp: p.ftpCidr, Description: 'FTP passive data' },
      ]),
      CacheSecurityGroup: sg('cache', 'shelfstack cache server: memcached from the web servers', []),
      // Between groups as rules of their own, so that neither group waits for the other.
      DbMysqlFromWeb: between('AWS::EC2::SecurityGroupIngress', 'DbSecurityGroup', 'WebSecurityGroup', 3306, 'MySQL from web'),
      DbSshFromWeb: between('AWS::EC2::SecurityGroupIngress', 'DbSecurityGroup', 'WebSecurityGroup', 22, 'Unison to the master copy'),
      DbSshFromFtp: between('AWS::EC2::SecurityGroupIngress', 'DbSecurityGroup', 'FtpSecurityGroup', 22, 'rsync to the master copy'),
      CacheMemcachedFromWeb: between('AWS::EC2::SecurityGroupIngress', 'CacheSecurityGroup', 'WebSecurityGroup', MEMCACHED_PORT, 'PHP sessions from web'),
      WebMysqlToDb: between('AWS::EC2::SecurityGroupEgress', 'WebSecurityGroup', 'DbSecurityGroup', 3306, 'MySQL to dbserver'),
      WebSshToDb: between('AWS::EC2::SecurityGroupEgress', 'WebSecurityGroup', 'DbSecurityGroup', 22, 'Unison to replserver'),
      WebMemcachedToCache: between('AWS::EC2::SecurityGroupEgress', 'WebSecurityGroup', 'CacheSecurityGroup', MEMCACHED_PORT, 'PHP sessions to cacheserver'),
      FtpSshToDb: between('AWS::EC2::SecurityGroupEgress', 'FtpSecurityGroup', 'DbSecurityGroup', 22, 'rsync to replserver'),
    },
  };
});
