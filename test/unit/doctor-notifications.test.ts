import { notificationProblems } from '../../cli/ops/doctor/notifications';

// Shaped as GetBucketNotificationConfiguration answers (AWS API reference), for serverless/resources/bucket.yml's setup.
const queueConfig = (event: string, prefix = 'audiobooks/', queue = 'shelfstack-prod-uploads') => ({
  Id: `n-${event}`,
  QueueArn: `arn:aws:sqs:eu-west-1:123456789012:${queue}`,
  Events: [event as 's3:ObjectCreated:*'],
  // S3 answers <Name>Prefix</Name> (the API reference's example), though the SDK's type says 'prefix'.
  Filter: { Key: { FilterRules: [{ Name: 'Prefix' as 'prefix', Value: prefix }] } },
});

describe("doctor's reading of the bucket's notifications", () => {
  it('passes the stack\'s configuration', () => {
    expect(notificationProblems({ QueueConfigurations: [queueConfig('s3:ObjectCreated:*'), queueConfig('s3:ObjectRemoved:*')], EventBridgeConfiguration: {} }, 'prod')).toEqual([]);
  });

  it('names each missing piece', () => {
    expect(notificationProblems({}, 'prod')).toEqual([
      'no notification to the shelfstack-prod-uploads queue',
      'EventBridge notifications are off (the sweep function gets no chunk overwrites or deletions)',
    ]);
    expect(notificationProblems({ QueueConfigurations: [queueConfig('s3:ObjectCreated:*'), queueConfig('s3:ObjectRemoved:*', 'listing/')], EventBridgeConfiguration: {} }, 'prod')).toEqual([
      's3:ObjectRemoved:* under audiobooks/ does not reach shelfstack-prod-uploads',
    ]);
    expect(notificationProblems({ QueueConfigurations: [queueConfig('s3:ObjectCreated:*', 'audiobooks/', 'shelfstack-other-uploads')], EventBridgeConfiguration: {} }, 'prod')).toEqual([
      'no notification to the shelfstack-prod-uploads queue',
    ]);
  });
});
