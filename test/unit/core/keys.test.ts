import fc from 'fast-check';
import {
  decodeEventKey,
  encodeEventKey,
  formatChunkKey,
  formatManifestKey,
  isValidFile,
  parseChunkKey,
  parseManifestKey,
  tryParseChunkKey,
} from '../../../core/keys';
import { ValidationError } from '../../../core/errors';

describe('the S3 key scheme', () => {
  it('parses a chunk key into book and file, keeping spaces, plus signs and unicode in the file', () => {
    expect(parseChunkKey('audiobooks/B0001/Red Flower + Friends_2.mp3')).toEqual({ book: 'B0001', file: 'Red Flower + Friends_2.mp3' });
    expect(parseChunkKey('audiobooks/ISBN-978.3/Kapitel Über_1.mp3')).toEqual({ book: 'ISBN-978.3', file: 'Kapitel Über_1.mp3' });
  });

  it.each([
    ['a key outside audiobooks/', 'listing/B0001.json'],
    ['a key with no book folder', 'audiobooks/loose.mp3'],
    ['a folder marker', 'audiobooks/B0001/'],
    ['a nested folder', 'audiobooks/B0001/disc1/a.mp3'],
    ['a dot-dot file', 'audiobooks/B0001/..'],
    ['a book code with a space', 'audiobooks/B 1/a.mp3'],
    ['a book code starting with a dot', 'audiobooks/.hidden/a.mp3'],
    ['a backslash', 'audiobooks/B0001/a\\b.mp3'],
    ['a NUL byte', 'audiobooks/B0001/a\u0000.mp3'],
  ])('rejects %s', (_what, key) => {
    expect(() => parseChunkKey(key)).toThrow(ValidationError);
    expect(tryParseChunkKey(key)).toBeUndefined();
  });

  it('formats what it parses', () => {
    const key = 'audiobooks/B0001/Red Flower_10.mp3';
    expect(formatChunkKey(parseChunkKey(key))).toBe(key);
  });

  it('refuses to format a chunk key from a file name that is not one', () => {
    expect(() => formatChunkKey({ book: 'B0001', file: '../etc/passwd' })).toThrow(ValidationError);
  });

  it('maps a book to its manifest key and back', () => {
    expect(formatManifestKey('B0001')).toBe('listing/B0001.json');
    expect(parseManifestKey('listing/B0001.json')).toBe('B0001');
    expect(() => parseManifestKey('listing/B0001.txt')).toThrow(ValidationError);
    expect(() => formatManifestKey('../x')).toThrow(ValidationError);
  });

  it('decodes S3 event keys: + is a space and %2B is a plus', () => {
    expect(decodeEventKey('audiobooks/B0001/Red+Flower+%2B+Friends_2.mp3')).toBe('audiobooks/B0001/Red Flower + Friends_2.mp3');
    expect(decodeEventKey('audiobooks/B0001/Kapitel+%C3%9Cber_1.mp3')).toBe('audiobooks/B0001/Kapitel Über_1.mp3');
    expect(() => decodeEventKey('audiobooks/B0001/%E0%A4%A.mp3')).toThrow(ValidationError);
  });

  it('decodes whatever it encodes, as S3 encodes it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (file) => {
        const key = `audiobooks/B1/${file}`;
        expect(decodeEventKey(encodeEventKey(key))).toBe(key);
        expect(encodeEventKey(key)).not.toContain(' ');
      }),
    );
  });

  it('accepts file names up to 255 bytes and no longer', () => {
    expect(isValidFile('a'.repeat(255))).toBe(true);
    expect(isValidFile('a'.repeat(256))).toBe(false);
    expect(isValidFile('ä'.repeat(128))).toBe(false);
  });
});
