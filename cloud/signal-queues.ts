import { DeleteQueueCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isQueueMissing } from './sqs';

/** A queue's URL, or undefined when there is no queue of that name. */
export async function findQueueUrl(sqs: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (e: unknown) {
    if (isQueueMissing(e)) return undefined;
    throw e;
  }
}

/** Deletes a queue; one already gone counts as deleted. */
export async function deleteQueue(sqs: SQSClient, queueUrl: string): Promise<void> {
  try {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  } catch (e: unknown) {
    if (!isQueueMissing(e)) throw e;
  }
}
