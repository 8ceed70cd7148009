import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { FillWindow, SLAB_BYTES } from '../../../instance/web/fill-window';

const KB = 1024;
const PATTERN = randomBytes(4 * SLAB_BYTES);
/** n bytes that differ from seed to seed (a copy: the window must not depend on its input staying put). */
const bytes = (n: number, seed: number) => Buffer.from(PATTERN.subarray((seed * 7919) % (PATTERN.length - n)).subarray(0, n));

describe('the window of a fill', () => {
  test('stores pieces contiguously across slabs and hands the disk views of the same bytes', () => {
    const w = new FillWindow(SLAB_BYTES);
    const a = bytes(SLAB_BYTES - 10, 1);
    const b = bytes(30, 2);
    w.store(a);
    const views = w.store(b);
    expect(views.map((v) => v.length)).toEqual([10, 20]);
    expect(Buffer.concat(views).equals(b)).toBe(true);
    expect([w.start, w.end]).toEqual([0, SLAB_BYTES + 20]);
    // A share never crosses a slab: the reader asks again for the rest.
    const s = w.share(SLAB_BYTES - 5, 64 * KB)!;
    expect(s.bytes.equals(b.subarray(5, 10))).toBe(true);
    expect(w.share(SLAB_BYTES + 20, 1)).toBeUndefined();
  });

  test('keeps bytes not yet on disk, whatever its size', () => {
    const w = new FillWindow(0);
    for (let i = 0; i < 8; i++) w.store(bytes(SLAB_BYTES, i));
    w.trim(0);
    expect(w.start).toBe(0);
    w.trim(3 * SLAB_BYTES + 1);
    expect(w.start).toBe(3 * SLAB_BYTES);
    expect(w.share(SLAB_BYTES, 10)).toBeUndefined();
  });

  test('never writes over a slab whose bytes a response still holds', () => {
    const w = new FillWindow(0);
    const first = bytes(SLAB_BYTES, 7);
    w.store(first);
    w.store(bytes(10, 8));
    const held = w.share(100, 1000)!;
    const copy = Buffer.from(held.bytes);
    w.trim(SLAB_BYTES + 10);
    // Many more slabs pass through; the held one must keep its bytes.
    for (let i = 0; i < 20; i++) {
      w.store(bytes(SLAB_BYTES, 9 + i));
      w.trim(w.end);
    }
    expect(held.bytes.equals(copy)).toBe(true);
    held.release();
  });

  test('any arrival, trim and share history serves exactly the bytes of the chunk', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('store' as const), n: fc.integer({ min: 1, max: SLAB_BYTES + 1000 }) }),
            fc.record({ op: fc.constant('write' as const), frac: fc.double({ min: 0, max: 1, noNaN: true }) }),
            fc.record({ op: fc.constant('share' as const), back: fc.integer({ min: 0, max: 3 * SLAB_BYTES }), len: fc.integer({ min: 1, max: 64 * KB }), keep: fc.boolean() }),
          ),
          { minLength: 20, maxLength: 80 },
        ),
        fc.integer({ min: 0, max: SLAB_BYTES }),
        (ops, keepBytes) => {
          const chunk: Buffer[] = [];
          const w = new FillWindow(keepBytes);
          let written = 0;
          const held: { at: number; bytes: Buffer; copy: Buffer }[] = [];
          for (const o of ops) {
            if (o.op === 'store') {
              const piece = bytes(o.n, chunk.length);
              chunk.push(piece);
              w.store(piece);
            } else if (o.op === 'write') {
              written = Math.max(written, Math.floor(w.end * o.frac));
              w.trim(written);
            } else {
              const all = Buffer.concat(chunk);
              const pos = Math.max(0, w.end - o.back);
              const s = w.share(pos, o.len);
              // Anything not yet on disk must be in memory.
              if (pos >= written && pos < w.end) expect(s).toBeDefined();
              if (s) {
                expect(s.bytes.equals(all.subarray(pos, pos + s.bytes.length))).toBe(true);
                if (o.keep) held.push({ at: pos, bytes: s.bytes, copy: Buffer.from(s.bytes) });
                else s.release();
              }
            }
          }
          for (const h of held) expect(h.bytes.equals(h.copy)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
