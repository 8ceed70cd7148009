import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readSignedQuery, signChunk, signedPath, verifyChunkLink } from '../../core/signing';
import { parseDownloadPath } from '../../instance/web/download';

const KEY = 'current-key-0123456789';
const OLD = 'previous-key-0123456789';
const ref = { book: 'B0001', file: 'Red Flower_1.mp3' };
const NOW = 1_800_000_000;

function fieldsOf(link: string) {
  return readSignedQuery(new URL(link, 'http://x').searchParams);
}

describe('signed download links', () => {
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

// The store's side: the README's PHP function, as the store's pages run it. The vector below was
// produced once by that function with php-cli 8.2, `time()` fixed at 1800000000 (see phpLink):
//   shelfstack_link('https://www.example.com', VECTOR_KEY, 'B0042', 'Ça va + là_1.mp3', 14400, 'cust 42+x')
const VECTOR_KEY = 'fixed-vector-key-0123456789';
const VECTOR =
  'https://www.example.com/audiobooks/B0042/%C3%87a%20va%20%2B%20l%C3%A0_1.mp3?expires=1800014400&customer=cust%2042%2Bx&signature=8yUoa6DnyKBFRhtOtTdvvIeY61rePUbz0QS_uvBW_FE';
const VECTOR_NOW = 1_800_000_000;

/** What the web server does with a link: the path decoded once into a chunk, the query read, the signature checked. */
function verifyLink(keys: string[], link: string, now: number) {
  const url = new URL(link);
  const ref = parseDownloadPath(url.pathname);
  if (!ref) throw new Error(`not a download path: ${url.pathname}`);
  return { ref, verdict: verifyChunkLink(keys, ref, readSignedQuery(url.searchParams), now) };
}

/** The PHP function from README.md, so the README cannot drift from what is tested. */
function readmePhpFunction(): string {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const m = /```php\n(function shelfstack_link[\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no ```php block with function shelfstack_link');
  return m[1]!;
}

/** Runs the README's function with php-cli; `fixedTime` replaces PHP's time() (a namespace's own time() wins). */
async function phpLink(args: [base: string, key: string, book: string, file: string, ttl: number, customer: string], fixedTime?: number): Promise<string> {
  const clock = fixedTime === undefined ? '' : `namespace fixed; function time(): int { return ${fixedTime}; }\n`;
  const code = `${clock}${readmePhpFunction()}\necho shelfstack_link($argv[1], $argv[2], $argv[3], $argv[4], (int) $argv[5], $argv[6]);`;
  const { stdout } = await promisify(execFile)('php', ['-r', code, '--', ...args.map(String)], { timeout: 20_000 });
  return stdout;
}

describe('links the store signs in PHP', () => {
  test('a fixed vector from the README function verifies (unicode, "+" and spaces in the path and customer), and not with one byte changed', () => {
    const { ref, verdict } = verifyLink([VECTOR_KEY], VECTOR, VECTOR_NOW);
    expect(ref).toEqual({ book: 'B0042', file: 'Ça va + là_1.mp3' });
    expect(verdict).toBe('valid');
    expect(readSignedQuery(new URL(VECTOR).searchParams).customer).toBe('cust 42+x');
    // Node's own signature over the same fields is the same string.
    expect(new URL(VECTOR).searchParams.get('signature')).toBe(signChunk(VECTOR_KEY, ref, 1_800_014_400, 'cust 42+x'));

    expect(verifyLink([VECTOR_KEY], VECTOR, 1_800_014_401).verdict).toBe('expired');
    expect(verifyLink(['another-key-0123456789'], VECTOR, VECTOR_NOW).verdict).toBe('mismatch');
    const changes = [
      VECTOR.replace('signature=8', 'signature=9'),
      VECTOR.replace('expires=1800014400', 'expires=1800014401'),
      VECTOR.replace('cust%2042%2Bx', 'cust%2042%2By'),
      VECTOR.replace('%C3%87a', '%C3%88a'),
      VECTOR.replace('B0042', 'B0043'),
    ];
    for (const changed of changes) {
      expect(changed).not.toBe(VECTOR);
      expect(verifyLink([VECTOR_KEY], changed, VECTOR_NOW).verdict).toBe('mismatch');
    }
  });

  test('the README function, run by php-cli with the vector inputs, still gives the vector', async () => {
    expect(await phpLink(['https://www.example.com', VECTOR_KEY, 'B0042', 'Ça va + là_1.mp3', 14400, 'cust 42+x'], VECTOR_NOW)).toBe(VECTOR);
  });

  test('a link the README function signs now, with php-cli, verifies in Node now', async () => {
    const link = await phpLink(['http://127.0.0.1:8080', KEY, 'B0001', 'Zoë + friends_01.mp3', 600, '']);
    const now = Math.floor(Date.now() / 1000);
    const { ref, verdict } = verifyLink([KEY], link, now);
    expect(ref).toEqual({ book: 'B0001', file: 'Zoë + friends_01.mp3' });
    expect(verdict).toBe('valid');
    expect(verifyLink([OLD], link, now).verdict).toBe('mismatch');
  });
});
