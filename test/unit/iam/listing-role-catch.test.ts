import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { listingHandler } from '../../../functions/listing';
import { getText } from '../../../cloud/s3';
import { useEmulators } from '../../support/emulators';
import { s3Notification, sqsBatch } from '../../support/events';
import { useIamRole } from '../../support/iam';

// The listing function run for real against the S3 emulator, under the listing role as main
// packaged it before issue 9: a new book's first manifest read meets S3's 403 and fails.
const emu = useEmulators('shelfstack-iamcatch');
const iam = useIamRole('ListingRole', {
  params: { cluster: 'iamcatch', bucket: 'shelfstack-iamcatch' },
  resourceFiles: ['test/unit/iam/fixtures/listing-role-before-issue-9.yml'],
});

it('catches the listing role of main: a new book reads its missing manifest, S3 answers 403, the upload fails', async () => {
  const handler = listingHandler({ s3: emu.s3, sqs: emu.sqs, bucket: emu.bucket, cluster: 'iamcatch', logger: new Logger({ logLevel: 'SILENT' }) });
  await emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'audiobooks/NEW1/a.mp3', Body: 'mp3' }));
  const event = sqsBatch([s3Notification('put', 'audiobooks/NEW1/a.mp3')]);

  expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] });
  expect(await getText(emu.s3, emu.bucket, 'listing/NEW1.json')).toBeUndefined();
  const denials = iam.takeDenials();
  expect(denials.map((d) => [d.action, d.resource])).toEqual([['s3:ListBucket', 'arn:aws:s3:::shelfstack-iamcatch']]);
  expect(denials[0]!.message).toMatch(/ListingRole .* GetObject of the missing key listing\/NEW1\.json with 403 AccessDenied, not 404/);
});
