import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Env } from '../../../core/config';
import { checkCredentialsAndS3, checkEc2, checkRoute53, checkSqs } from './aws';
import { checkHostsBlock, checkIdentity, checkListing } from './instance';
import { checkNotifications } from './notifications';
import { checkQueues, checkSignalQueues } from './queues';
import { fail, skip, type CheckResult } from './result';
import { checkConfiguration, endpointOf, fleetConfigured } from './settings';

export interface DoctorClients {
  s3: S3Client;
  sqs: SQSClient;
  ec2: EC2Client;
  route53: Route53Client;
}

/**
 * Every check of `shelfstack doctor`, in the order an operator fixes things: settings, then
 * credentials and endpoints, then what the stack created, then this instance. A check that
 * cannot run because an earlier one failed says so instead of failing again for the same cause.
 */
export async function runDoctor(env: Env, clients: DoctorClients): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const settings = checkConfiguration(env);
  out.push(settings.result);
  const { cluster, bucket } = settings;
  if (!cluster || !bucket) return [...out, fail('AWS', 'not checked', 'set SHELFSTACK_CLUSTER and SHELFSTACK_BUCKET first')];

  const region = env.AWS_REGION?.trim() || undefined;
  const s3Lines = await checkCredentialsAndS3(clients.s3, bucket, endpointOf(env, 'S3', region));
  out.push(...s3Lines);
  if (s3Lines[0]!.status === 'fail') return out;
  const s3Ok = s3Lines[1]!.status === 'ok';
  const sqsLine = await checkSqs(clients.sqs, cluster, endpointOf(env, 'SQS', region));
  out.push(sqsLine);
  const fleet = fleetConfigured(env);
  if (fleet) {
    out.push(await checkEc2(clients.ec2, cluster, endpointOf(env, 'EC2', region)));
    out.push(await checkRoute53(clients.route53, env.SHELFSTACK_ZONE_ID?.trim(), endpointOf(env, 'ROUTE_53', region)));
  } else {
    out.push(skip('EC2 and Route 53', 'the fleet is not configured (no SHELFSTACK_ZONE_ID or SHELFSTACK_LAUNCH_TEMPLATE)'));
  }

  out.push(s3Ok ? await checkNotifications(clients.s3, bucket, cluster) : skip('bucket notifications', 'S3 failed above'));
  if (sqsLine.status === 'ok') out.push(...(await checkQueues(clients.sqs, cluster, fleet)), ...(await checkSignalQueues(clients.sqs, cluster)));
  else out.push(skip('queues', 'SQS failed above'));

  const { result, identity } = await checkIdentity(env);
  out.push(result);
  if (identity && s3Ok) {
    out.push(await checkHostsBlock(clients.s3, bucket, env.SHELFSTACK_HOSTS_FILE?.trim() || '/etc/hosts'));
    const listingDir = env.SHELFSTACK_LISTING_DIR?.trim();
    if (identity.roles.includes('web')) {
      out.push(listingDir ? await checkListing(clients.s3, bucket, listingDir) : fail('listing', 'SHELFSTACK_LISTING_DIR is not set on a web server', 'set SHELFSTACK_LISTING_DIR (/etc/shelfstack/env)'));
    }
  }
  return out;
}
