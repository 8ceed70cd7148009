import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { instanceOfSignalQueue, signalQueuePrefix } from '../../../core/signals';
import { findQueueUrl, listQueueUrls } from '../../../cloud/sqs';
import { countOf } from '../../plural';
import { ago, errorText, fail, ok, skip, type CheckResult } from './result';

interface QueueState {
  waiting: number;
  inFlight: number;
  created: number;
  modified: number;
  redrive: boolean;
}

async function queueState(sqs: SQSClient, url: string): Promise<QueueState> {
  const { Attributes: a = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
  return {
    waiting: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    created: Number(a.CreatedTimestamp ?? 0),
    modified: Number(a.LastModifiedTimestamp ?? 0),
    redrive: Boolean(a.RedrivePolicy),
  };
}

const DEPLOY = 'deploy the stack (serverless deploy), or check SHELFSTACK_CLUSTER';

/** The uploads queue (with its redrive), its DLQ (should be empty) and the fleet's failures queue (should be empty). */
export async function checkQueues(sqs: SQSClient, cluster: string, fleet: boolean): Promise<CheckResult[]> {
  const name = (suffix: string) => `shelfstack-${cluster}-${suffix}`;
  const out: CheckResult[] = [];
  try {
    const uploads = await findQueueUrl(sqs, name('uploads'));
    if (!uploads) out.push(fail('uploads queue', `${name('uploads')} does not exist`, DEPLOY));
    else {
      const s = await queueState(sqs, uploads);
      out.push(
        s.redrive
          ? ok('uploads queue', `${name('uploads')}: ${s.waiting} waiting, ${s.inFlight} in flight`)
          : fail('uploads queue', `${name('uploads')} has no redrive policy: a bad event would be retried forever`, DEPLOY),
      );
    }
    const dlq = await findQueueUrl(sqs, name('uploads-dlq'));
    if (!dlq) out.push(fail('uploads DLQ', `${name('uploads-dlq')} does not exist`, DEPLOY));
    else {
      const s = await queueState(sqs, dlq);
      out.push(
        s.waiting + s.inFlight === 0
          ? ok('uploads DLQ', `${name('uploads-dlq')} is empty`)
          : fail(
              'uploads DLQ',
              `${name('uploads-dlq')} holds ${countOf(s.waiting + s.inFlight, 'event')} the listing could not handle (last change ${ago(Date.now() / 1000 - s.modified)})`,
              'read them (aws sqs receive-message), find the malformed_upload_event lines in the listing log, fix the cause, then redrive (aws sqs start-message-move-task) and run shelfstack listing rebuild',
            ),
      );
    }
    const failures = await findQueueUrl(sqs, name('fleet-failures'));
    if (!failures) out.push(fleet ? fail('fleet failures queue', `${name('fleet-failures')} does not exist`, DEPLOY) : skip('fleet failures queue', 'the fleet is not configured (no SHELFSTACK_ZONE_ID or SHELFSTACK_LAUNCH_TEMPLATE)'));
    else {
      const s = await queueState(sqs, failures);
      out.push(
        s.waiting + s.inFlight === 0
          ? ok('fleet failures queue', `${name('fleet-failures')} is empty`)
          : fail('fleet failures queue', `${name('fleet-failures')} holds ${countOf(s.waiting + s.inFlight, 'EventBridge event')} no fleet function took`, 'read them, check the hosts/dns/eip/db function logs, then run shelfstack plan and apply'),
      );
    }
  } catch (e: unknown) {
    out.push(fail('queues', `cannot read them: ${errorText(e)}`, 'see the SQS line'));
  }
  return out;
}

/**
 * Each instance's signal queue. SQS has no age of its oldest message (that is CloudWatch's
 * ApproximateAgeOfOldestMessage): what it does tell is how many signals wait, how many are being
 * handled, and when the queue was created and last changed. A working agent long-polls, so
 * signals wait seconds at most; any waiting one is shown as a failure to look at.
 */
export async function checkSignalQueues(sqs: SQSClient, cluster: string, now = Date.now()): Promise<CheckResult[]> {
  let urls: string[];
  try {
    urls = await listQueueUrls(sqs, signalQueuePrefix(cluster));
  } catch (e: unknown) {
    return [fail('signal queues', `cannot list them: ${errorText(e)}`, 'see the SQS line')];
  }
  if (!urls.length) return [skip('signal queues', `none (an instance creates shelfstack-${cluster}-signal-<id> at its first boot)`)];
  return Promise.all(
    urls.map(async (url) => {
      const id = instanceOfSignalQueue(cluster, url) ?? url;
      const check = `signal queue of ${id}`;
      try {
        const s = await queueState(sqs, url);
        const detail = `${s.waiting} waiting, ${s.inFlight} in flight; created ${ago(now / 1000 - s.created)}, attributes changed ${ago(now / 1000 - s.modified)} (SQS keeps no age of its oldest message)`;
        return s.waiting === 0
          ? ok(check, detail)
          : fail(check, detail, `a working agent takes signals within seconds: if they stay, check shelfstack-agent on ${id} (systemctl status shelfstack-agent; journalctl -u shelfstack-agent)`);
      } catch (e: unknown) {
        return fail(check, `cannot read it: ${errorText(e)}`, 'see the SQS line');
      }
    }),
  );
}
