import { contentDisposition, isNotModified, parseRange, rangeStillApplies } from '../../../instance/web/http-ranges';

const v = { etag: '"abc"', lastModified: new Date('2026-01-02T03:04:05.678Z') };

describe('Range parsing for a 1000-byte chunk', () => {
  test.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=900-', { start: 900, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=990-5000', { start: 990, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
  ])('%s is the partial range %j', (header, range) => {
    expect(parseRange(header, 1000)).toEqual({ kind: 'partial', range });
  });

  test.each(['bytes=1000-', 'bytes=5000-6000', 'bytes=-0'])('%s is unsatisfiable', (header) => {
    expect(parseRange(header, 1000)).toEqual({ kind: 'unsatisfiable' });
  });

  test.each([undefined, 'bytes=0-1,5-6', 'items=0-1', 'bytes=5-2', 'bytes=-'])('%s means the whole chunk', (header) => {
    expect(parseRange(header, 1000)).toEqual({ kind: 'whole' });
  });
});

describe('conditional requests', () => {
  test('If-None-Match with the ETag (or *, or a weak form of it) is not modified; another ETag is', () => {
    expect(isNotModified({ 'if-none-match': '"abc"' }, v)).toBe(true);
    expect(isNotModified({ 'if-none-match': '"x", W/"abc"' }, v)).toBe(true);
    expect(isNotModified({ 'if-none-match': '*' }, v)).toBe(true);
    expect(isNotModified({ 'if-none-match': '"other"' }, v)).toBe(false);
  });

  test('If-Modified-Since at or after Last-Modified (to the second) is not modified; earlier is', () => {
    expect(isNotModified({ 'if-modified-since': 'Fri, 02 Jan 2026 03:04:05 GMT' }, v)).toBe(true);
    expect(isNotModified({ 'if-modified-since': 'Fri, 02 Jan 2026 03:04:04 GMT' }, v)).toBe(false);
    expect(isNotModified({ 'if-modified-since': 'garbage' }, v)).toBe(false);
  });

  test('If-None-Match decides when both are present', () => {
    expect(isNotModified({ 'if-none-match': '"other"', 'if-modified-since': 'Fri, 02 Jan 2026 03:04:05 GMT' }, v)).toBe(false);
  });

  test('If-Range keeps the range only for the same strong ETag or the exact date', () => {
    expect(rangeStillApplies({}, v)).toBe(true);
    expect(rangeStillApplies({ 'if-range': '"abc"' }, v)).toBe(true);
    expect(rangeStillApplies({ 'if-range': '"old"' }, v)).toBe(false);
    expect(rangeStillApplies({ 'if-range': 'W/"abc"' }, v)).toBe(false);
    expect(rangeStillApplies({ 'if-range': 'Fri, 02 Jan 2026 03:04:05 GMT' }, v)).toBe(true);
    expect(rangeStillApplies({ 'if-range': 'Fri, 02 Jan 2026 03:04:06 GMT' }, v)).toBe(false);
  });
});

describe('Content-Disposition', () => {
  test('an ASCII name is a plain quoted filename', () => {
    expect(contentDisposition('Red Flower_1.mp3')).toBe('attachment; filename="Red Flower_1.mp3"');
  });

  test('a non-ASCII name gets an ASCII fallback and an RFC 6266 filename*', () => {
    expect(contentDisposition('Ödön – Ünnep_1.mp3')).toBe(
      `attachment; filename="_d_n _ _nnep_1.mp3"; filename*=UTF-8''%C3%96d%C3%B6n%20%E2%80%93%20%C3%9Cnnep_1.mp3`,
    );
  });

  test('quotes and backslashes never break out of the quoted filename', () => {
    expect(contentDisposition('a"b\\c.mp3')).toMatch(/^attachment; filename="a_b_c.mp3"; filename\*=UTF-8''a%22b%5Cc.mp3$/);
  });
});
