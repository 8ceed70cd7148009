import { ApiError } from '../errors';
import type { FleetContext } from '../context';
import { ec2Id, type TemplateRec } from '../state';
import { matches, parseFilters, tagFields } from './filters';
import { paginate } from './paging';
import { int, obj, str, strs, specTags, type QObject } from './query';
import { tagSet } from './resources';

/** Launch templates: created for seeding, described, and resolved (id or name, `$Default`/`$Latest`/N) at launch. */
const NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;
const NO_SUCH = 'At least one of the launch templates specified in the request does not exist.';

function templateXml(ctx: FleetContext, t: TemplateRec) {
  return {
    launchTemplateId: t.id,
    launchTemplateName: t.name,
    createTime: new Date(t.createTime),
    createdBy: `arn:aws:iam::${ctx.accountId}:root`,
    defaultVersionNumber: t.defaultVersion,
    latestVersionNumber: Math.max(...t.versions.map((v) => v.number)),
    tagSet: tagSet(t.tags),
  };
}

export function createLaunchTemplate(ctx: FleetContext, q: QObject) {
  const name = str(q, 'LaunchTemplateName');
  if (!name) throw new ApiError('MissingParameter', 'The request must contain the parameter LaunchTemplateName');
  if (!NAME.test(name)) throw new ApiError('InvalidLaunchTemplateName.MalformedException', `The launch template name '${name}' is not valid.`);
  if (ctx.state.templates.some((t) => t.name === name)) throw new ApiError('InvalidLaunchTemplateName.AlreadyExistsException', 'Launch template name already in use.');
  const now = ctx.now();
  const t: TemplateRec = {
    id: ec2Id('lt'),
    name,
    createTime: now,
    defaultVersion: 1,
    versions: [{ number: 1, data: obj(q, 'LaunchTemplateData') ?? {}, createTime: now, description: str(q, 'VersionDescription') }],
    tags: specTags(q, 'TagSpecification', 'launch-template'),
  };
  ctx.state.templates.push(t);
  ctx.commit();
  return { launchTemplate: templateXml(ctx, t) };
}

export function createLaunchTemplateVersion(ctx: FleetContext, q: QObject) {
  const t = findTemplate(ctx, str(q, 'LaunchTemplateId'), str(q, 'LaunchTemplateName'));
  const source = str(q, 'SourceVersion');
  const base = source ? versionOf(t, source).data : {};
  const number = Math.max(...t.versions.map((v) => v.number)) + 1;
  const now = ctx.now();
  // With a SourceVersion the new version starts from it; what the request gives replaces it.
  t.versions.push({ number, data: { ...base, ...(obj(q, 'LaunchTemplateData') ?? {}) }, createTime: now, description: str(q, 'VersionDescription') });
  ctx.commit();
  return {
    launchTemplateVersion: {
      launchTemplateId: t.id,
      launchTemplateName: t.name,
      versionNumber: number,
      versionDescription: str(q, 'VersionDescription'),
      createTime: new Date(now),
      createdBy: `arn:aws:iam::${ctx.accountId}:root`,
      defaultVersion: number === t.defaultVersion,
    },
  };
}

export function describeLaunchTemplates(ctx: FleetContext, q: QObject) {
  const ids = strs(q, 'LaunchTemplateId');
  const names = strs(q, 'LaunchTemplateName');
  if (ids.some((id) => !ctx.state.templates.some((t) => t.id === id))) throw new ApiError('InvalidLaunchTemplateId.NotFound', NO_SUCH);
  if (names.some((n) => !ctx.state.templates.some((t) => t.name === n))) throw new ApiError('InvalidLaunchTemplateName.NotFoundException', NO_SUCH);
  const filters = parseFilters(q);
  const all = ctx.state.templates.filter(
    (t) =>
      (!ids.length || ids.includes(t.id)) &&
      (!names.length || names.includes(t.name)) &&
      matches(filters, (n) => (n === 'launch-template-name' ? [t.name] : tagFields(t.tags, n))),
  );
  const { page, nextToken } = paginate(all, 'DescribeLaunchTemplates', int(q, 'MaxResults'), str(q, 'NextToken'), { min: 1, max: 200 });
  return { launchTemplates: page.map((t) => templateXml(ctx, t)), nextToken };
}

function findTemplate(ctx: FleetContext, id: string | undefined, name: string | undefined): TemplateRec {
  if (id && name) throw new ApiError('InvalidParameterCombination', 'Specify either a launch template ID or a launch template name, not both.');
  if (id) {
    const t = ctx.state.templates.find((x) => x.id === id);
    if (!t) throw new ApiError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
    return t;
  }
  if (name) {
    const t = ctx.state.templates.find((x) => x.name === name);
    if (!t) throw new ApiError('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${name}, does not exist.`);
    return t;
  }
  throw new ApiError('MissingParameter', 'The request must contain the parameter LaunchTemplateId or LaunchTemplateName');
}

function versionOf(t: TemplateRec, version: string | undefined) {
  const wanted = !version || version === '$Default' ? t.defaultVersion : version === '$Latest' ? Math.max(...t.versions.map((v) => v.number)) : Number(version);
  const v = t.versions.find((x) => x.number === wanted);
  if (!v) throw new ApiError('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${version} for launch template ID ${t.id}.`);
  return v;
}

/** RunInstances' LaunchTemplate parameter → the template, the version used and its data. */
export function resolveTemplate(ctx: FleetContext, spec: QObject | undefined) {
  if (!spec) return undefined;
  const t = findTemplate(ctx, str(spec, 'LaunchTemplateId'), str(spec, 'LaunchTemplateName'));
  const v = versionOf(t, str(spec, 'Version'));
  return { template: t, version: v.number, data: v.data };
}
