import { chunkContentProblem, chunkNameProblem } from '../../../core/chunk-rule';
import { MP3_FRAME_HEADER } from '../../../core/mpeg';

const reader = (bytes: Uint8Array) => async (offset: number, length: number) => bytes.subarray(offset, offset + length);
const check = (bytes: Uint8Array) => chunkContentProblem(bytes.length, reader(bytes));

describe('what counts as a chunk (FTP ingest and import alike)', () => {
  it('names what is wrong with a place that cannot hold a chunk', () => {
    expect(chunkNameProblem('B0001', 'Red Flower_1.mp3')).toBeUndefined();
    expect(chunkNameProblem('B0001', 'RED_2.MP3')).toBeUndefined();
    expect(chunkNameProblem('bad book', 'a_1.mp3')).toBe('not a book code: bad book');
    expect(chunkNameProblem('B0001', 'cover.jpg')).toBe('an audiobook chunk must be an .mp3 file');
    expect(chunkNameProblem('B0001', 'a\\b.mp3')).toBe('file name cannot be a chunk name');
  });

  it('takes MPEG audio, after an ID3v2 tag or not', async () => {
    expect(await check(Buffer.concat([MP3_FRAME_HEADER, Buffer.alloc(100)]))).toBeUndefined();
    const tag = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5]); // "ID3", 5-byte body
    expect(await check(Buffer.concat([tag, MP3_FRAME_HEADER]))).toBeUndefined();
  });

  it('refuses empty, random and truncated bytes with the reason', async () => {
    expect(await check(new Uint8Array(0))).toBe('empty file');
    expect(await check(Buffer.from('0123456789'))).toBe('no MPEG audio frame header: not an mp3');
    expect(await check(MP3_FRAME_HEADER.subarray(0, 3))).toBe('no MPEG audio frame header: not an mp3');
    const tagOnly = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5]);
    expect(await check(tagOnly)).toBe('no MPEG audio frame header: not an mp3');
  });
});
