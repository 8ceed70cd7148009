import { GetBucketNotificationConfigurationCommand, type GetBucketNotificationConfigurationCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { CHUNK_PREFIX } from '../../../core/keys';
import { errorCode, errorText, fail, ok, skip, type CheckResult } from './result';

type NotificationConfig = Pick<GetBucketNotificationConfigurationCommandOutput, 'QueueConfigurations' | 'EventBridgeConfiguration'>;

/**
 * What is wrong with the bucket's notifications, as serverless/resources/bucket.yml sets them:
 * ObjectCreated and ObjectRemoved under audiobooks/ to the uploads queue, and EventBridge on.
 */
export function notificationProblems(config: NotificationConfig, cluster: string): string[] {
  const queueName = `shelfstack-${cluster}-uploads`;
  const ours = (config.QueueConfigurations ?? []).filter((q) => q.QueueArn?.split(':').at(-1) === queueName);
  const covers = (kind: 'ObjectCreated' | 'ObjectRemoved') =>
    ours.some((q) => {
      const prefix = q.Filter?.Key?.FilterRules?.find((r) => r.Name?.toLowerCase() === 'prefix')?.Value ?? '';
      return CHUNK_PREFIX.startsWith(prefix) && (q.Events ?? []).some((e) => e === `s3:${kind}:*`);
    });
  const problems: string[] = [];
  if (!ours.length) problems.push(`no notification to the ${queueName} queue`);
  else {
    if (!covers('ObjectCreated')) problems.push(`s3:ObjectCreated:* under ${CHUNK_PREFIX} does not reach ${queueName}`);
    if (!covers('ObjectRemoved')) problems.push(`s3:ObjectRemoved:* under ${CHUNK_PREFIX} does not reach ${queueName}`);
  }
  if (!config.EventBridgeConfiguration) problems.push('EventBridge notifications are off (the sweep function gets no chunk overwrites or deletions)');
  return problems;
}

export async function checkNotifications(s3: S3Client, bucket: string, cluster: string): Promise<CheckResult> {
  const check = 'bucket notifications';
  try {
    const config = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    const problems = notificationProblems(config, cluster);
    if (problems.length) return fail(check, problems.join('; '), 'deploy the stack again (serverless deploy): it sets the bucket\'s NotificationConfiguration');
    return ok(check, `chunks under ${CHUNK_PREFIX} reach shelfstack-${cluster}-uploads; EventBridge on`);
  } catch (e: unknown) {
    // s3rver answers NotImplemented: the rehearsal wires the bucket's events to its queue itself.
    if (errorCode(e) === 'NotImplemented') return skip(check, 'this S3 endpoint does not report notifications (an emulator; the rehearsal wires its events itself)');
    return fail(check, `cannot read them: ${errorText(e)}`, 'run doctor with the operator\'s credentials (s3:GetBucketNotification)');
  }
}
