import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { crc32Base64 } from '../../../cloud/s3-upload';
import { createDigest, expectedDigest } from '../../../instance/web/chunk-digest';

const chunk = (etag: string) => ({ file: 'a.mp3', size: 1, etag, lastModified: '2026-01-01T00:00:00.000Z' });

function multipartEtag(data: Buffer, partSize: number): string {
  const digests: Buffer[] = [];
  for (let at = 0; at < data.length; at += partSize) digests.push(createHash('md5').update(data.subarray(at, at + partSize)).digest());
  return `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}`;
}

/** Feeds the bytes in pieces cut at the given offsets. */
function feed(digest: ReturnType<typeof createDigest>, data: Buffer, cuts: number[]): boolean {
  let at = 0;
  for (const cut of [...cuts.filter((c) => c < data.length)].sort((a, b) => a - b).concat(data.length)) {
    digest.update(data.subarray(at, cut));
    at = cut;
  }
  return digest.matches();
}

describe('what a chunk is checked against', () => {
  test('a FULL_OBJECT CRC32 first, then an MD5 ETag, then a multipart ETag; a COMPOSITE checksum is not a whole-object one', () => {
    expect(expectedDigest(chunk('abc-2'), { crc32: 'AAAAAA==', type: 'FULL_OBJECT' })).toEqual({ kind: 'crc32', value: 'AAAAAA==' });
    expect(expectedDigest(chunk('0cc175b9c0f1b6a831c399e269772661'), { crc32: 'AAAAAA==-2', type: 'COMPOSITE' })).toEqual({ kind: 'md5', hex: '0cc175b9c0f1b6a831c399e269772661' });
    expect(expectedDigest(chunk('0cc175b9c0f1b6a831c399e269772661-3'), {})).toEqual({ kind: 'md5-parts', hex: '0cc175b9c0f1b6a831c399e269772661', parts: 3 });
    expect(expectedDigest(chunk('kms-style-etag'), {})).toBeUndefined();
  });

  test('a multipart ETag matches however the bytes arrive, and not once one byte changed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40_000 }), fc.integer({ min: 1000, max: 9000 }), fc.array(fc.nat(40_000), { maxLength: 8 }), (size, partSize, cuts) => {
        const data = randomBytes(size);
        const [hex, parts] = multipartEtag(data, partSize).split('-');
        const expected = { kind: 'md5-parts' as const, hex: hex!, parts: Number(parts) };
        expect(feed(createDigest(expected, partSize), data, cuts)).toBe(true);
        const flipped = Buffer.from(data);
        flipped[size >> 1] = flipped[size >> 1]! ^ 1;
        expect(feed(createDigest(expected, partSize), flipped, cuts)).toBe(false);
        expect(feed(createDigest(expected, partSize + 1), data, cuts)).toBe(size <= partSize);
      }),
      { numRuns: 50 },
    );
  });

  test('a CRC32 matches the value S3 writes (base64, big-endian)', () => {
    const data = randomBytes(100_000);
    expect(feed(createDigest({ kind: 'crc32', value: crc32Base64(crc32(data)) }), data, [1, 65_536])).toBe(true);
    expect(feed(createDigest({ kind: 'crc32', value: crc32Base64(crc32(data) ^ 1) }), data, [])).toBe(false);
  });
});
