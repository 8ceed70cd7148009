import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { loadConfig, type Env } from '../../core/config';
import { isDnsPlanEmpty } from '../../core/dns-plan';
import { planFleetDns, type FleetObservation, type FleetPlan } from '../../core/fleet-plan';
import { HOSTS_KEY, MANIFEST_PREFIX } from '../../core/keys';
import { defaultS3, defaultSqs } from '../../cloud/clients';
import { defaultEc2, defaultRoute53 } from '../../cloud/fleet-clients';
import { getText, listAll, putTextConditional } from '../../cloud/s3';
import { publishSignal } from '../../cloud/signals';
import { applyDbPlan, observeDbSlot } from '../../functions/commons/db-slot';
import { applyDnsPlan, applyEipPlan, applyScalePlan, observeAddresses, observeHealth, observeRecord, type FleetDeps, type FleetLog } from '../../functions/commons/fleet';

export interface FleetClients {
  ec2: EC2Client;
  route53: Route53Client;
  s3: S3Client;
  sqs: SQSClient;
}

export function defaultFleetClients(): FleetClients {
  return { ec2: defaultEc2(), route53: defaultRoute53(), s3: defaultS3(), sqs: defaultSqs() };
}

export type FleetConfig = ReturnType<typeof loadFleetConfig>;

/** What the fleet verbs need: the functions' settings, read and checked once. */
export function loadFleetConfig(env: Env) {
  return loadConfig(
    env,
    ['cluster', 'bucket', 'zoneId', 'record', 'ttl', 'healthGrace', 'drainGrace', 'healthPort', 'scaleRules', 'dbDevice'],
    ['launchTemplate', 'healthPath', 'dbLaunchTemplate', 'subnets', 'webSecurityGroup', 'ftpLaunchTemplate', 'cacheLaunchTemplate'],
  );
}

export function fleetDeps(clients: FleetClients, cfg: FleetConfig, logger: FleetLog, now: Date): FleetDeps {
  return { ...clients, ...cfg, logger, now: () => now };
}

/** One read of everything the reconcilers look at. */
export async function observeFleet(clients: FleetClients, cfg: FleetConfig): Promise<FleetObservation> {
  const d = { ...clients, ...cfg };
  const [instances, addresses, record, dbSlot, hostsText, hostsListed] = await Promise.all([
    observeHealth(d),
    observeAddresses(d),
    observeRecord(d),
    observeDbSlot(d),
    getText(clients.s3, cfg.bucket, HOSTS_KEY),
    listAll(clients.s3, cfg.bucket, HOSTS_KEY),
  ]);
  const hostsObject = hostsListed.find((o) => o.key === HOSTS_KEY);
  return { instances, addresses, record, ...dbSlot, hosts: hostsText && { ...hostsText, lastModified: hostsObject?.lastModified } };
}

/** The listing's freshness: how many manifests there are and when the newest was written. */
export async function listingFreshness(clients: FleetClients, cfg: FleetConfig): Promise<{ manifests: number; newest?: Date }> {
  const manifests = await listAll(clients.s3, cfg.bucket, MANIFEST_PREFIX);
  const newest = manifests.reduce<Date | undefined>((m, o) => (!m || o.lastModified > m ? o.lastModified : m), undefined);
  return { manifests: manifests.length, newest };
}

/**
 * Applies what the plan shows. The hosts file is written only if it is still the one the plan
 * read (its ETag); everything else is idempotent (UPSERT, ClientTokens, tags). Addresses move
 * before the record changes, and when any moved, the record is planned again from a fresh look:
 * an elastic IP moving to an instance releases the instance's own address, so a record planned
 * before the move could name an address that no longer exists.
 */
export async function applyFleetPlan(clients: FleetClients, cfg: FleetConfig, plan: FleetPlan, logger: FleetLog, now: Date): Promise<void> {
  const d = fleetDeps(clients, cfg, logger, now);
  if (plan.hosts.changed) {
    await putTextConditional(clients.s3, cfg.bucket, HOSTS_KEY, plan.hosts.text, plan.hosts.etag ?? null, 'text/plain; charset=utf-8');
    const published = await publishSignal(clients.sqs, cfg.cluster, { type: 'hosts-changed', data: {} });
    logger.info('hosts_published', { queues: published.queues, delivered: published.delivered });
  }
  await applyEipPlan(d, plan.eip);
  await applyDbPlan(d, plan.db);
  let dns = plan.dns;
  if (plan.eip.associations.length) {
    const [instances, addresses, record] = await Promise.all([observeHealth(d), observeAddresses(d), observeRecord(d)]);
    dns = planFleetDns({ instances, addresses, record }, cfg, now);
    logger.info('dns_replanned_after_address_moves', { values: dns.upsert?.values ?? record?.values ?? [], changes: !isDnsPlanEmpty(dns) });
  }
  await applyDnsPlan(d, dns);
  await applyScalePlan(d, plan.scale);
}
