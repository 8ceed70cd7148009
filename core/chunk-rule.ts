import { isValidBook, isValidFile } from './keys';
import { id3v2Length, isMpegFrameHeader } from './mpeg';

/**
 * What counts as an audiobook chunk, once for every way one arrives (FTP ingest, `import`): its
 * place (`<book>/<file>.mp3` with a book code and a file name S3 can hold) and its bytes (not
 * empty, an MPEG audio frame after an optional ID3v2 tag). Each rule answers why not, or undefined.
 */

/** Why `<book>/<file>` cannot name a chunk. */
export function chunkNameProblem(book: string, file: string): string | undefined {
  if (!isValidBook(book)) return `not a book code: ${book}`;
  if (!/\.mp3$/i.test(file)) return 'an audiobook chunk must be an .mp3 file';
  if (!isValidFile(file)) return 'file name cannot be a chunk name';
  return undefined;
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** Why bytes of this size, read through `readAt`, are not an mp3 chunk. Reads at most 14 bytes. */
export async function chunkContentProblem(size: number, readAt: ReadAt): Promise<string | undefined> {
  if (size === 0) return 'empty file';
  const offset = id3v2Length(await readAt(0, 10));
  const frame = await readAt(offset, 4);
  if (frame.length < 4 || !isMpegFrameHeader(frame)) return 'no MPEG audio frame header: not an mp3';
  return undefined;
}
