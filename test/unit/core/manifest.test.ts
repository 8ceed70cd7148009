import { bareEtag, buildManifest, parseManifest, plainPutEtag, serializeManifest } from '../../../core/manifest';
import { ValidationError } from '../../../core/errors';

const at = new Date('2026-11-02T09:15:02.000Z');
const obj = (key: string, size = 10) => ({ key, size, etag: `"etag-${key.split('/').pop()}"`, lastModified: at });

describe('manifests', () => {
  it('lists a book\'s chunks in natural order with bare ETags and ISO dates', () => {
    const m = buildManifest('B0001', [obj('audiobooks/B0001/c_10.mp3'), obj('audiobooks/B0001/c_2.mp3', 5)]);
    expect(m).toEqual({
      book: 'B0001',
      chunks: [
        { file: 'c_2.mp3', size: 5, etag: 'etag-c_2.mp3', lastModified: '2026-11-02T09:15:02.000Z' },
        { file: 'c_10.mp3', size: 10, etag: 'etag-c_10.mp3', lastModified: '2026-11-02T09:15:02.000Z' },
      ],
    });
  });

  it('gives a book with no chunks no manifest', () => {
    expect(buildManifest('B0001', [])).toBeUndefined();
    expect(buildManifest('B0001', [obj('audiobooks/B0001/')])).toBeUndefined();
  });

  it('leaves out keys of other books and keys that are not chunks', () => {
    const m = buildManifest('B1', [obj('audiobooks/B1/a.mp3'), obj('audiobooks/B10/b.mp3'), obj('audiobooks/B1/x/y.mp3')]);
    expect(m?.chunks.map((c) => c.file)).toEqual(['a.mp3']);
  });

  it('serialises to the same bytes every time and parses back to the same manifest', () => {
    const m = buildManifest('B1', [obj('audiobooks/B1/a b+.mp3')])!;
    const text = serializeManifest(m);
    expect(serializeManifest(parseManifest(text))).toBe(text);
    expect(JSON.parse(text)).toEqual({ book: 'B1', chunks: [{ file: 'a b+.mp3', size: 10, etag: expect.any(String), lastModified: at.toISOString() }] });
  });

  it.each([
    ['not JSON', '{'],
    ['no chunks', '{"book":"B1","chunks":[]}'],
    ['a bad book code', '{"book":"../B1","chunks":[{"file":"a.mp3","size":1,"etag":"e","lastModified":"2026-11-02T09:15:02.000Z"}]}'],
    ['a negative size', '{"book":"B1","chunks":[{"file":"a.mp3","size":-1,"etag":"e","lastModified":"2026-11-02T09:15:02.000Z"}]}'],
    ['a file with a slash', '{"book":"B1","chunks":[{"file":"a/b.mp3","size":1,"etag":"e","lastModified":"2026-11-02T09:15:02.000Z"}]}'],
    ['a date that is not ISO 8601', '{"book":"B1","chunks":[{"file":"a.mp3","size":1,"etag":"e","lastModified":"yesterday"}]}'],
  ])('rejects a manifest with %s', (_what, text) => {
    expect(() => parseManifest(text)).toThrow(ValidationError);
  });

  it('rejects a manifest of another book than expected', () => {
    const text = serializeManifest(buildManifest('B1', [obj('audiobooks/B1/a.mp3')])!);
    expect(() => parseManifest(text, 'B2')).toThrow(/expected B2/);
  });

  it('strips quotes from ETags and predicts the ETag of a plain PUT', () => {
    expect(bareEtag('"abc"')).toBe('abc');
    expect(bareEtag('W/"abc"')).toBe('abc');
    expect(plainPutEtag('hello')).toBe('5d41402abc4b2a76b9719d911017c592');
  });
});
