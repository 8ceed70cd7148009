import { ValidationError } from '../../../core/errors';
import { parseDownloadPath } from '../../../instance/web/download';

describe('the chunk a request path names', () => {
  test('is decoded exactly once', () => {
    expect(parseDownloadPath('/audiobooks/B0001/Red%20Flower%2B_1.mp3')).toEqual({ book: 'B0001', file: 'Red Flower+_1.mp3' });
    expect(parseDownloadPath('/audiobooks/B0001/%C3%96d%C3%B6n_1.mp3')).toEqual({ book: 'B0001', file: 'Ödön_1.mp3' });
    // %252e stays "%2e" after one decoding: a literal name, not a dot.
    expect(parseDownloadPath('/audiobooks/B0001/%252e%252e')).toEqual({ book: 'B0001', file: '%2e%2e' });
  });

  test('is not a download route outside /audiobooks/', () => {
    expect(parseDownloadPath('/listing/B0001.json')).toBeUndefined();
    expect(parseDownloadPath('/audiobooks')).toBeUndefined();
  });

  test('is a ValidationError (400) under /audiobooks/ in any other shape than <book>/<file>', () => {
    expect(() => parseDownloadPath('/audiobooks/B0001')).toThrow(ValidationError);
    expect(() => parseDownloadPath('/audiobooks/B0001/a/b.mp3')).toThrow(ValidationError);
    expect(() => parseDownloadPath('/audiobooks/../listing/B0001.json')).toThrow(ValidationError);
  });

  test.each([
    '/audiobooks/../x.mp3',
    '/audiobooks/B0001/..',
    '/audiobooks/%2e%2e/x.mp3',
    '/audiobooks/B0001/%2E%2E',
    '/audiobooks/B0001/a%2fb.mp3',
    '/audiobooks/B0001/a%5Cb.mp3',
    '/audiobooks/B0001/a\\b.mp3',
    '/audiobooks/B0001/a%00.mp3',
    '/audiobooks/B0001/%E0%A4%A',
    '/audiobooks//x.mp3',
  ])('%s is a ValidationError (400)', (p) => {
    expect(() => parseDownloadPath(p)).toThrow(ValidationError);
  });
});
