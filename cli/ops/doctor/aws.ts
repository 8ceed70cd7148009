import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ListQueuesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetHostedZoneCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { CHUNK_PREFIX } from '../../../core/keys';
import { explainAwsError } from '../../aws-errors';
import { countOf } from '../../plural';
import { errorCode, errorText, fail, ok, type CheckResult } from './result';

const INVALID_CREDENTIALS = ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidClientTokenId', 'UnrecognizedClientException', 'AuthFailure', 'InvalidToken'];
const WRONG_REGION = ['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException'];
const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'TimeoutError'];

/** The fix for an error any service may answer, or undefined when it is the service's own. */
function commonFix(e: unknown, endpoint: string): { detail: string; fix: string } | undefined {
  const code = errorCode(e);
  if (UNREACHABLE.includes(code)) return { detail: `nothing answers at ${endpoint} (${code})`, fix: 'start the rehearsal (npm start) or correct AWS_ENDPOINT_URL_*; against AWS, check the network' };
  if (INVALID_CREDENTIALS.includes(code)) return { detail: `the credentials are refused (${code})`, fix: 'check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (or AWS_PROFILE)' };
  const explained = explainAwsError(e);
  if (explained) return { detail: explained.split(':')[0]!, fix: explained.slice(explained.indexOf(':') + 2) };
  return undefined;
}

function failed(check: string, e: unknown, endpoint: string, own?: (code: string) => { detail: string; fix: string } | undefined): CheckResult {
  const known = commonFix(e, endpoint) ?? own?.(errorCode(e));
  return known ? fail(check, known.detail, known.fix) : fail(check, `unexpected answer from ${endpoint}: ${errorText(e)}`, 'see the error; rerun with the same settings to confirm');
}

/**
 * Credentials and region, then S3 and the bucket: one signed LIST of at most one key. Its answer
 * tells the cases apart (a HEAD has no body, so its 403 cannot): NoSuchBucket, AccessDenied
 * (valid credentials without the right), InvalidAccessKeyId/SignatureDoesNotMatch (bad ones), a
 * redirect (wrong region).
 */
export async function checkCredentialsAndS3(s3: S3Client, bucket: string, endpoint: string): Promise<CheckResult[]> {
  const check = 'credentials and region';
  let region: string;
  let keyId: string;
  try {
    region = await s3.config.region();
    keyId = (await s3.config.credentials()).accessKeyId;
  } catch (e: unknown) {
    return [failed(check, e, endpoint), fail('S3', 'not checked', 'fix the credentials and region first')];
  }
  const who = `region ${region}, access key …${keyId.slice(-4)}`;
  try {
    await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: CHUNK_PREFIX, MaxKeys: 1 }));
    return [ok(check, `${who}, accepted by S3`), ok('S3', `${endpoint} answers; bucket ${bucket} is there and listable`)];
  } catch (e: unknown) {
    const code = errorCode(e);
    if (INVALID_CREDENTIALS.includes(code)) return [failed(check, e, endpoint), fail('S3', 'not checked', 'fix the credentials first')];
    if (WRONG_REGION.includes(code)) {
      return [fail(check, `${who}: the bucket is in another region (${code})`, 'set AWS_REGION to the bucket\'s region'), fail('S3', 'not checked', 'fix the region first')];
    }
    const s3Line = failed('S3', e, endpoint, (c) => {
      if (c === 'NoSuchBucket') return { detail: `bucket ${bucket} does not exist at ${endpoint}`, fix: 'check SHELFSTACK_BUCKET (the stack\'s ContentBucketName output), or deploy the stack' };
      if (c === 'AccessDenied') return { detail: `the credentials may not list bucket ${bucket}`, fix: 'run doctor with the operator\'s credentials (s3:ListBucket on the bucket)' };
      return undefined;
    });
    const credentials = UNREACHABLE.includes(code) ? fail(check, `${who}: not verified (S3 does not answer)`, 'see the S3 line') : ok(check, `${who}, accepted by S3`);
    return [credentials, s3Line];
  }
}

export async function checkSqs(sqs: SQSClient, cluster: string, endpoint: string): Promise<CheckResult> {
  try {
    const res = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `shelfstack-${cluster}-`, MaxResults: 1000 }));
    return ok('SQS', `${endpoint} answers; ${countOf(res.QueueUrls?.length ?? 0, 'queue')} of cluster ${cluster}`);
  } catch (e: unknown) {
    return failed('SQS', e, endpoint);
  }
}

export async function checkEc2(ec2: EC2Client, cluster: string, endpoint: string): Promise<CheckResult> {
  try {
    const res = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:shelfstack:cluster', Values: [cluster] }], MaxResults: 5 }));
    const n = (res.Reservations ?? []).reduce((sum, r) => sum + (r.Instances?.length ?? 0), 0);
    return ok('EC2', `${endpoint} answers; ${countOf(n, 'instance')}${res.NextToken ? ' (or more)' : ''} tagged shelfstack:cluster=${cluster}`);
  } catch (e: unknown) {
    return failed('EC2', e, endpoint);
  }
}

export async function checkRoute53(route53: Route53Client, zoneId: string | undefined, endpoint: string): Promise<CheckResult> {
  if (!zoneId) return fail('Route 53', 'SHELFSTACK_ZONE_ID is not set', 'set SHELFSTACK_ZONE_ID to the hosted zone of SHELFSTACK_RECORD');
  try {
    const res = await route53.send(new GetHostedZoneCommand({ Id: zoneId }));
    return ok('Route 53', `${endpoint} answers; zone ${zoneId} is ${res.HostedZone?.Name ?? '?'}`);
  } catch (e: unknown) {
    return failed('Route 53', e, endpoint, (c) =>
      c === 'NoSuchHostedZone' || c === 'InvalidInput' ? { detail: `no hosted zone ${zoneId}`, fix: 'check SHELFSTACK_ZONE_ID (aws route53 list-hosted-zones)' } : undefined,
    );
  }
}
