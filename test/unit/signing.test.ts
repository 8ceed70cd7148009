import { createHmac } from 'node:crypto';
import { readSignedQuery, signChunk, signedPath, verifyChunkLink } from '../../core/signing';

const KEY = 'current-key-0123456789';
const OLD = 'previous-key-0123456789';
const ref = { book: 'B0001', file: 'Red Flower_1.mp3' };
const NOW = 1_800_000_000;

function fieldsOf(link: string) {
  return readSignedQuery(new URL(link, 'http://x').searchParams);
}

describe('signed download links', () => {
  test('the signature is HMAC-SHA256 over the decoded path, expiry and customer, base64url (what the PHP helper computes)', () => {
    const expected = createHmac('sha256', KEY).update('/audiobooks/B0001/Red Flower_1.mp3\n1800000100\ncust-7').digest('base64url');
    expect(signChunk(KEY, ref, NOW + 100, 'cust-7')).toBe(expected);
  });

  test('a fresh link verifies, and its path is percent-encoded', () => {
    const link = signedPath(KEY, ref, NOW + 60);
    expect(link.startsWith('/audiobooks/B0001/Red%20Flower_1.mp3?expires=')).toBe(true);
    expect(verifyChunkLink([KEY], ref, fieldsOf(link), NOW)).toBe('valid');
  });

  test('a link signed with the previous key verifies while rotating, and not after', () => {
    const link = signedPath(OLD, ref, NOW + 60);
    expect(verifyChunkLink([KEY, OLD], ref, fieldsOf(link), NOW)).toBe('valid');
    expect(verifyChunkLink([KEY], ref, fieldsOf(link), NOW)).toBe('mismatch');
  });

  test('an expired link is refused as expired', () => {
    expect(verifyChunkLink([KEY], ref, fieldsOf(signedPath(KEY, ref, NOW - 1)), NOW)).toBe('expired');
  });

  test('a changed expiry, customer, chunk or signature no longer verifies', () => {
    const fields = fieldsOf(signedPath(KEY, ref, NOW + 60, 'cust-7'));
    expect(verifyChunkLink([KEY], ref, { ...fields, expires: String(NOW + 99999) }, NOW)).toBe('mismatch');
    expect(verifyChunkLink([KEY], ref, { ...fields, customer: 'cust-8' }, NOW)).toBe('mismatch');
    expect(verifyChunkLink([KEY], { ...ref, file: 'Red Flower_2.mp3' }, fields, NOW)).toBe('mismatch');
    const sig = fields.signature!;
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    expect(verifyChunkLink([KEY], ref, { ...fields, signature: flipped }, NOW)).toBe('mismatch');
  });

  test('a missing or malformed signature is told apart from a wrong one', () => {
    expect(verifyChunkLink([KEY], ref, { expires: String(NOW + 60) }, NOW)).toBe('missing');
    expect(verifyChunkLink([KEY], ref, { expires: 'soon', signature: 'x'.repeat(43) }, NOW)).toBe('malformed');
    expect(verifyChunkLink([KEY], ref, { expires: String(NOW + 60), signature: 'short' }, NOW)).toBe('malformed');
  });
});
