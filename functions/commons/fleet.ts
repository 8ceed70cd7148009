import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ARecord, DnsPlan } from '../../core/dns-plan';
import type { EipPlan } from '../../core/eip-plan';
import { ConfigError } from '../../core/errors';
import { TAG, type Address, type Instance } from '../../core/fleet';
import { renderHosts, type RenderedHosts } from '../../core/hosts';
import { HOSTS_KEY } from '../../core/keys';
import { DRAIN_TAGS, type ScalePlan } from '../../core/scale-plan';
import { associateAddress, describeClusterAddresses, launchInstance, observeInstances, type LaunchPlace, stopInstances, tagResources, terminateInstances, untagResources } from '../../cloud/ec2';
import { probeInstances } from '../../cloud/health-probe';
import { changeRecords, defaultRetry, getARecord, upsertChange, type RetryOptions } from '../../cloud/route53';
import { getText, isNotFound, isPreconditionFailed, putTextConditional } from '../../cloud/s3';
import { publishSignal } from '../../cloud/signals';
import type { FunctionMetrics } from './lambda';

/** The structured log the reconcilers write: Powertools Logger in Lambda, a collector in the CLI. */
export interface FleetLog {
  info(message: string, attrs: Record<string, unknown>): void;
  warn(message: string, attrs: Record<string, unknown>): void;
  error(message: string, attrs: Record<string, unknown>): void;
}

export interface FleetDeps {
  ec2: EC2Client;
  route53: Route53Client;
  s3: S3Client;
  sqs: SQSClient;
  cluster: string;
  bucket: string;
  zoneId: string;
  record: string;
  ttl: number;
  healthGrace: number;
  drainGrace: number;
  healthPath?: string;
  healthPort: number;
  launchTemplate?: string;
  dbLaunchTemplate?: string;
  dbDevice: string;
  subnets?: string[];
  webSecurityGroup?: string;
  ftpLaunchTemplate?: string;
  cacheLaunchTemplate?: string;
  logger: FleetLog;
  /** Powertools Metrics for the run (the deployed handlers; tests may leave them out). */
  metrics?: FunctionMetrics;
  now: () => Date;
  retry?: RetryOptions;
}

/** Instances of the cluster with status checks and, when configured, the HTTP probe's answer. */
export async function observeHealth(d: Pick<FleetDeps, 'ec2' | 'cluster' | 'healthPath' | 'healthPort'>): Promise<Instance[]> {
  return probeInstances(await observeInstances(d.ec2, d.cluster), { path: d.healthPath, port: d.healthPort });
}

export async function observeAddresses(d: Pick<FleetDeps, 'ec2' | 'cluster'>): Promise<Address[]> {
  return describeClusterAddresses(d.ec2, d.cluster);
}

export async function observeRecord(d: Pick<FleetDeps, 'route53' | 'zoneId' | 'record' | 'retry'>): Promise<ARecord | undefined> {
  return getARecord(d.route53, d.zoneId, d.record, d.retry ?? defaultRetry);
}

export interface HostsOutcome extends RenderedHosts {
  changed: boolean;
  previous?: string;
}

/**
 * Renders cluster/hosts and writes it only when it changed, conditionally on the ETag read, then
 * signals every instance. A concurrent writer (412) makes it read and render again.
 */
export async function reconcileHosts(
  d: Pick<FleetDeps, 'ec2' | 's3' | 'sqs' | 'bucket' | 'cluster' | 'logger'>,
): Promise<HostsOutcome> {
  for (let attempt = 1; ; attempt++) {
    // The hosts file first, the instances after: a write conditional on this read then fails if
    // any newer run wrote after it, and a run that reads after a newer write observes after it too.
    const current = await getText(d.s3, d.bucket, HOSTS_KEY);
    const instances = await observeInstances(d.ec2, d.cluster);
    const rendered = renderHosts(d.cluster, instances, current?.text);
    const outcome = { ...rendered, changed: rendered.text !== current?.text, previous: current?.text };
    if (!outcome.changed) return outcome;
    try {
      await putTextConditional(d.s3, d.bucket, HOSTS_KEY, rendered.text, current ? current.etag : null, 'text/plain; charset=utf-8');
    } catch (e: unknown) {
      // 412, or 404 when the file we read was deleted since: read again.
      if (!(isPreconditionFailed(e) || isNotFound(e)) || attempt >= 3) throw e;
      d.logger.warn('hosts_write_conflict', { attempt });
      continue;
    }
    const published = await publishSignal(d.sqs, d.cluster, { type: 'hosts-changed', data: {} });
    d.logger.info('hosts_published', { queues: published.queues, delivered: published.delivered });
    return outcome;
  }
}

export async function applyDnsPlan(d: Pick<FleetDeps, 'ec2' | 'route53' | 'zoneId' | 'logger' | 'retry'>, plan: DnsPlan): Promise<void> {
  if (plan.upsert) {
    const [changeId] = await changeRecords(d.route53, d.zoneId, [upsertChange(plan.upsert)], 'shelfstack dns reconcile', d.retry ?? defaultRetry);
    d.logger.info('dns_record_updated', { record: plan.upsert.name, from: plan.current?.values ?? [], to: plan.upsert.values, changeId });
  }
  // One CreateTags per distinct time: in a plan they are all "now".
  const byTime = new Map<string, string[]>();
  plan.markDrained.forEach((m) => byTime.set(m.at, [...(byTime.get(m.at) ?? []), m.instanceId]));
  for (const [at, ids] of byTime) {
    await tagResources(d.ec2, ids, { [TAG.drainedAt]: at });
    d.logger.info('instances_out_of_dns', { instanceIds: ids, at });
  }
  if (plan.clearDrained.length) {
    await untagResources(d.ec2, plan.clearDrained, [TAG.drainedAt]);
    d.logger.info('drained_stamp_cleared', { instanceIds: plan.clearDrained });
  }
}

/** A web server's place: its subnet, with the web group named beside it (cloud/ec2.ts, LaunchPlace). */
function webPlace(d: Pick<FleetDeps, 'webSecurityGroup'>, subnetId: string | undefined): LaunchPlace {
  return { subnetId, securityGroupIds: d.webSecurityGroup ? [d.webSecurityGroup] : undefined };
}

export async function applyEipPlan(
  d: Pick<FleetDeps, 'ec2' | 'launchTemplate' | 'webSecurityGroup' | 'ftpLaunchTemplate' | 'cacheLaunchTemplate' | 'logger'>,
  plan: EipPlan,
): Promise<void> {
  for (const l of plan.servers) {
    // Their templates place them (first subnet, own group, public address): nothing to name here.
    const template = l.slot === 'ftp' ? d.ftpLaunchTemplate : d.cacheLaunchTemplate;
    if (!template) continue;
    const instanceId = await launchInstance(d.ec2, template, l.clientToken, l.tags);
    d.logger.info('server_slot_launched', { slot: l.slot, instanceId, clientToken: l.clientToken, reason: l.reason });
  }
  for (const l of plan.launches) {
    if (!d.launchTemplate) {
      d.logger.error('launch_template_missing', { slot: l.tags[TAG.slot], reason: l.reason });
      continue;
    }
    const instanceId = await launchInstance(d.ec2, d.launchTemplate, l.clientToken, l.tags, webPlace(d, l.subnetId));
    d.logger.info('replacement_launched', { slot: l.tags[TAG.slot], instanceId, clientToken: l.clientToken, subnetId: l.subnetId, reason: l.reason });
  }
  for (const a of plan.associations) {
    const associationId = await associateAddress(d.ec2, a.allocationId, a.instanceId, a.allowReassociation);
    d.logger.info('address_associated', { allocationId: a.allocationId, publicIp: a.publicIp, instanceId: a.instanceId, from: a.from, associationId });
  }
  if (plan.stops.length) {
    await stopInstances(d.ec2, plan.stops.map((s) => s.instanceId));
    plan.stops.forEach((s) => d.logger.info('replaced_server_stopped', { ...s }));
  }
  plan.waiting.forEach((w) => d.logger.info('slot_waiting', { ...w }));
}

export async function applyScalePlan(d: Pick<FleetDeps, 'ec2' | 'launchTemplate' | 'webSecurityGroup' | 'logger'>, plan: ScalePlan): Promise<void> {
  if (plan.launches.length && !d.launchTemplate) throw new ConfigError('SHELFSTACK_LAUNCH_TEMPLATE', 'is required to launch instances');
  for (const l of plan.launches) {
    const instanceId = await launchInstance(d.ec2, d.launchTemplate!, l.clientToken, l.tags, webPlace(d, l.subnetId));
    d.logger.info('surge_launched', { rule: l.tags[TAG.surge], instanceId, clientToken: l.clientToken, subnetId: l.subnetId });
  }
  if (plan.drain.length) {
    await tagResources(d.ec2, plan.drain, DRAIN_TAGS);
    d.logger.info('surge_draining', { instanceIds: plan.drain });
  }
  if (plan.terminate.length) {
    await terminateInstances(d.ec2, plan.terminate);
    d.logger.info('surge_terminated', { instanceIds: plan.terminate });
  }
  plan.waiting.forEach((w) => d.logger.info('surge_waiting_out_ttl', { ...w }));
}
