import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueUrlCommand,
  DeleteMessageCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export async function listQueueUrls(sqs: SQSClient, prefix: string): Promise<string[]> {
  const urls: string[] = [];
  let token: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1000, NextToken: token }));
    urls.push(...(page.QueueUrls ?? []));
    token = page.NextToken;
  } while (token);
  return urls;
}

export function isQueueMissing(e: unknown): boolean {
  const name = (e as { name?: string })?.name ?? '';
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}

export async function sendMessage(sqs: SQSClient, queueUrl: string, body: string): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

/** CreateQueue returns the existing queue when the name and attributes match, so this is idempotent. */
export async function ensureQueue(sqs: SQSClient, name: string, attributes: Record<string, string> = {}): Promise<string> {
  const res = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return res.QueueUrl!;
}

export async function receiveMessages(
  sqs: SQSClient,
  queueUrl: string,
  opts: { waitSeconds: number; max: number; signal?: AbortSignal; visibilityTimeout?: number },
): Promise<Message[]> {
  const res = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      WaitTimeSeconds: opts.waitSeconds,
      MaxNumberOfMessages: opts.max,
      VisibilityTimeout: opts.visibilityTimeout,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      // The deprecated spelling too: the local SQS emulator only honours this one.
      AttributeNames: ['All'],
    }),
    { abortSignal: opts.signal },
  );
  return res.Messages ?? [];
}

export async function deleteMessage(sqs: SQSClient, queueUrl: string, receiptHandle: string): Promise<void> {
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
}

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
