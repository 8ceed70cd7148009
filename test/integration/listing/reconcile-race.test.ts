import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3ClientOptions } from '../../../cloud/clients';
import { getText } from '../../../cloud/s3';
import { parseManifest } from '../../../core/manifest';
import { reconcileBook } from '../../../functions/commons/reconcile-book';
import { useEmulators } from '../../support/emulators';
import { useIamRole } from '../../support/iam';

// Two listing runs for one book, interleaved on an S3 that honours conditional writes: the older
// run is paused between its LIST of the chunks and its write, while a newer run (which listed
// after more chunks arrived) writes. The older run must not win.
const emu = useEmulators('shelfstack-reconcile-race');
useIamRole('ListingRole', { params: { cluster: 'race', bucket: 'shelfstack-reconcile-race' } });

/** An S3 client whose next ListObjectsV2 answer is held until `release()`; `listed` resolves when it has arrived. */
function gatedClient() {
  const s3 = new S3Client({ ...s3ClientOptions(), endpoint: process.env.AWS_ENDPOINT_URL_S3 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let listed!: () => void;
  const arrived = new Promise<void>((r) => (listed = r));
  let armed = true;
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (armed && context.commandName === 'ListObjectsV2Command') {
        armed = false;
        listed();
        await gate;
      }
      return out;
    },
    { step: 'initialize', name: 'raceGate' },
  );
  return { s3, release, listed: arrived };
}

const put = (Key: string) => emu.s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key, Body: 'mp3' }));
const del = (Key: string) => emu.s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key }));
const files = async (book: string) => {
  const obj = await getText(emu.s3, emu.bucket, `listing/${book}.json`);
  return obj && parseManifest(obj.text, book).chunks.map((c) => c.file);
};

/** Starts the older run, holds it after its LIST, lets `meanwhile` (the newer run) happen, then lets it finish. */
async function olderAround(book: string, meanwhile: () => Promise<void>) {
  const older = gatedClient();
  try {
    const run = reconcileBook(older.s3, emu.bucket, book);
    await older.listed;
    await meanwhile();
    older.release();
    return await run;
  } finally {
    older.s3.destroy();
  }
}

describe('reconcileBook: an older run against a newer one', () => {
  it('an older run that listed {a_1} cannot write it over the newer {a_1, a_2}', async () => {
    await put('audiobooks/R1/a_1.mp3');
    const older = await olderAround('R1', async () => {
      await put('audiobooks/R1/a_2.mp3');
      expect((await reconcileBook(emu.s3, emu.bucket, 'R1')).outcome).toBe('written');
      expect(await files('R1')).toEqual(['a_1.mp3', 'a_2.mp3']);
    });
    expect(older.outcome).toBe('unchanged');
    expect(await files('R1')).toEqual(['a_1.mp3', 'a_2.mp3']);
  });

  it('the same over an existing manifest ({a_1} → {a_1, a_2, a_3})', async () => {
    await put('audiobooks/R2/a_1.mp3');
    await reconcileBook(emu.s3, emu.bucket, 'R2');
    await put('audiobooks/R2/a_2.mp3');
    const older = await olderAround('R2', async () => {
      await put('audiobooks/R2/a_3.mp3');
      await reconcileBook(emu.s3, emu.bucket, 'R2');
    });
    expect(older.outcome).toBe('unchanged');
    expect(await files('R2')).toEqual(['a_1.mp3', 'a_2.mp3', 'a_3.mp3']);
  });

  it('an older run that listed no chunks cannot delete the manifest a newer run wrote', async () => {
    await put('audiobooks/R3/a_1.mp3');
    await reconcileBook(emu.s3, emu.bucket, 'R3');
    await del('audiobooks/R3/a_1.mp3');
    const older = await olderAround('R3', async () => {
      await put('audiobooks/R3/b_1.mp3');
      expect((await reconcileBook(emu.s3, emu.bucket, 'R3')).outcome).toBe('written');
    });
    expect(older.outcome).toBe('unchanged');
    expect(await files('R3')).toEqual(['b_1.mp3']);
  });
});
