import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import { ec2Id, type SubnetRec } from '../state';
import { matches, parseFilters, tagFields } from './filters';
import { paginate } from './paging';
import { int, str, strs, type QObject, type Tags } from './query';
import { tagSet } from './resources';

/** The subnets instances launch into: seeded once (one per AZ), then kept in the state. */
export interface SubnetSeed {
  az: string;
  mapPublicIpOnLaunch?: boolean;
  tags?: Tags;
}

export function seedSubnets(ctx: FleetContext, seeds: readonly SubnetSeed[] | undefined): void {
  if (ctx.state.subnets.length) return;
  const vpcId = ec2Id('vpc');
  const list = seeds ?? [{ az: `${ctx.region}a` }, { az: `${ctx.region}b` }];
  list.forEach((s, k) =>
    ctx.state.subnets.push({ id: ec2Id('subnet'), vpcId, az: s.az, cidr: `172.31.${k * 16}.0/20`, mapPublicIpOnLaunch: s.mapPublicIpOnLaunch ?? true, tags: s.tags ?? {} }),
  );
}

function fields(s: SubnetRec) {
  return (n: string) => {
    const plain: Record<string, string> = {
      'subnet-id': s.id,
      'availability-zone': s.az,
      'vpc-id': s.vpcId,
      'cidr-block': s.cidr,
      state: 'available',
      'default-for-az': 'true',
      'map-public-ip-on-launch': String(s.mapPublicIpOnLaunch),
    };
    return Object.hasOwn(plain, n) ? [plain[n]!] : tagFields(s.tags, n);
  };
}

export function describeSubnets(ctx: FleetContext, q: QObject) {
  const ids = strs(q, 'SubnetId');
  ids.forEach((id) => ctx.subnet(id));
  if (ids.length && q.MaxResults) throw new ApiError('InvalidParameterCombination', 'The parameter subnetIds cannot be used with the parameter maxResults');
  const filters = parseFilters(q);
  const all = ctx.state.subnets.filter((s) => (!ids.length || ids.includes(s.id)) && matches(filters, fields(s)));
  const { page, nextToken } = paginate(all, 'DescribeSubnets', int(q, 'MaxResults'), str(q, 'NextToken'), { min: 5, max: 1000 });
  return {
    subnetSet: page.map((s) => ({
      subnetId: s.id,
      subnetArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:subnet/${s.id}`,
      state: 'available',
      ownerId: ctx.accountId,
      vpcId: s.vpcId,
      cidrBlock: s.cidr,
      availableIpAddressCount: 4091,
      availabilityZone: s.az,
      defaultForAz: true,
      mapPublicIpOnLaunch: s.mapPublicIpOnLaunch,
      tagSet: tagSet(s.tags),
    })),
    nextToken,
  };
}
