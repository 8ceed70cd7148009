import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ManifestChunk } from '../../core/manifest';

/**
 * What a whole chunk's bytes are checked against, in order of preference:
 * 1. the CRC32 full-object checksum S3 returns on a whole GET with ChecksumMode (uploads by
 *    `import` and FTP ingest carry one, multipart included; zlib's CRC32 is native, ~10x
 *    cheaper than MD5);
 * 2. a single-part ETag, the MD5 of the bytes (any PUT to an SSE-S3 bucket; the AWS CLI's small files);
 * 3. a multipart ETag (`<md5>-<parts>`), the MD5 of the parts' MD5s, with the part size learned
 *    from S3 (HeadObject PartNumber=1): older uploads, the AWS CLI's (8 MiB parts; its
 *    CRC64NVME checksum is not used, having no native implementation in Node).
 * The expected values come from S3 itself, from the response that carries the bytes (or, for
 * the part size, a HEAD of the same version); the manifest's ETag, checked against S3's, pins
 * that version. So the manifest needs no new field.
 */
export type Expected =
  | { kind: 'crc32'; value: string }
  | { kind: 'md5'; hex: string }
  | { kind: 'md5-parts'; hex: string; parts: number };

/** The checksum fields of a GetObject response. */
export interface OriginChecksum {
  crc32?: string;
  type?: string;
}

export function expectedDigest(chunk: ManifestChunk, got: OriginChecksum): Expected | undefined {
  if (got.crc32 && got.type === 'FULL_OBJECT') return { kind: 'crc32', value: got.crc32 };
  if (/^[0-9a-f]{32}$/.test(chunk.etag)) return { kind: 'md5', hex: chunk.etag };
  const m = /^([0-9a-f]{32})-(\d+)$/.exec(chunk.etag);
  if (m) return { kind: 'md5-parts', hex: m[1]!, parts: Number(m[2]) };
  return undefined;
}

export interface ChunkDigest {
  /** What it checks, for the log line of a mismatch. */
  readonly kind: Expected['kind'];
  update(piece: Buffer): void;
  /** After the last byte: whether the bytes are the ones S3 stored. */
  matches(): boolean;
}

export function createDigest(expected: Expected, partSize?: number): ChunkDigest {
  if (expected.kind === 'crc32') {
    let c = 0;
    return {
      kind: 'crc32',
      update: (piece) => void (c = crc32(piece, c)),
      matches: () => {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(c >>> 0);
        return b.toString('base64') === expected.value;
      },
    };
  }
  if (expected.kind === 'md5') {
    const md5 = createHash('md5');
    return { kind: 'md5', update: (piece) => void md5.update(piece), matches: () => md5.digest('hex') === expected.hex };
  }
  if (!partSize || partSize <= 0) throw new Error('a multipart ETag needs the part size');
  return new PartsDigest(expected, partSize);
}

/** The MD5 of the MD5s of consecutive `partSize` slices (the last one shorter), as S3 builds a multipart ETag. */
class PartsDigest implements ChunkDigest {
  readonly kind = 'md5-parts' as const;
  private readonly digests: Buffer[] = [];
  private part: Hash = createHash('md5');
  private inPart = 0;

  constructor(
    private readonly expected: { hex: string; parts: number },
    private readonly partSize: number,
  ) {}

  update(piece: Buffer): void {
    for (let off = 0; off < piece.length; ) {
      const take = Math.min(this.partSize - this.inPart, piece.length - off);
      this.part.update(piece.subarray(off, off + take));
      this.inPart += take;
      off += take;
      if (this.inPart === this.partSize) this.closePart();
    }
  }

  matches(): boolean {
    if (this.inPart > 0) this.closePart();
    if (this.digests.length !== this.expected.parts) return false;
    return createHash('md5').update(Buffer.concat(this.digests)).digest('hex') === this.expected.hex;
  }

  private closePart(): void {
    this.digests.push(this.part.digest());
    this.part = createHash('md5');
    this.inPart = 0;
  }
}

/** The SDK's own response check failed (it throws this at the body's end): the bytes are not S3's. */
export function isSdkChecksumMismatch(e: unknown): boolean {
  return e instanceof Error && /^Checksum mismatch: /.test(e.message);
}
