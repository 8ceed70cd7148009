import type { EC2Client } from '@aws-sdk/client-ec2';
import { DB_SLOT, type DbPlan } from '../../core/db-plan';
import { ConfigError } from '../../core/errors';
import type { Subnet, Volume } from '../../core/fleet';
import { attachVolume, describeSlotVolumes, describeSubnets, detachVolume } from '../../cloud/ebs';
import { launchInstance, stopInstances } from '../../cloud/ec2';
import type { FleetLog } from './fleet';

export interface DbSlotDeps {
  ec2: EC2Client;
  cluster: string;
  dbLaunchTemplate?: string;
  dbDevice: string;
  subnets?: string[];
  logger: FleetLog;
}

/** The db slot's volume(s) and the configured subnets with their AZs. */
export async function observeDbSlot(d: Pick<DbSlotDeps, 'ec2' | 'cluster' | 'subnets'>): Promise<{ volumes: Volume[]; subnets: Subnet[] }> {
  const [volumes, subnets] = await Promise.all([describeSlotVolumes(d.ec2, d.cluster, DB_SLOT), describeSubnets(d.ec2, d.subnets ?? [])]);
  return { volumes, subnets };
}

/**
 * Applies a db plan: the launch (ClientToken), the stop of a lost holder, then at most one move of
 * the volume (a detach from a stopped holder, or an attach to the replacement, verified).
 */
export async function applyDbPlan(d: DbSlotDeps, plan: DbPlan): Promise<void> {
  if (plan.launch) {
    const l = plan.launch;
    if (!d.dbLaunchTemplate) throw new ConfigError('SHELFSTACK_DB_LAUNCH_TEMPLATE', 'is required to launch a db replacement');
    const instanceId = await launchInstance(d.ec2, d.dbLaunchTemplate, l.clientToken, l.tags, { subnetId: l.subnetId, availabilityZone: l.availabilityZone });
    d.logger.info('db_replacement_launched', { instanceId, clientToken: l.clientToken, subnetId: l.subnetId, availabilityZone: l.availabilityZone, reason: l.reason });
  }
  if (plan.stop) {
    await stopInstances(d.ec2, [plan.stop.instanceId], plan.stop.force);
    d.logger.info('db_holder_stopped', { ...plan.stop });
  }
  if (plan.detach) {
    const state = await detachVolume(d.ec2, plan.detach.volumeId, plan.detach.instanceId);
    d.logger.info('db_volume_detached', { ...plan.detach, state });
  }
  if (plan.attach) {
    const state = await attachVolume(d.ec2, plan.attach.volumeId, plan.attach.instanceId, plan.attach.device);
    d.logger.info('db_volume_attached', { ...plan.attach, state });
  }
  plan.waiting.forEach((reason) => d.logger.info('db_slot_waiting', { volumeId: plan.volume?.id, holder: plan.holder, reason }));
}
