import fc from 'fast-check';
import { compareNatural } from '../../../core/natural-order';

describe('the natural order of chunk names', () => {
  it('puts _2 before _10', () => {
    const names = ['Book_10.mp3', 'Book_2.mp3', 'Book_1.mp3', 'Book_11.mp3', 'Book_3.mp3'];
    expect(names.sort(compareNatural)).toEqual(['Book_1.mp3', 'Book_2.mp3', 'Book_3.mp3', 'Book_10.mp3', 'Book_11.mp3']);
  });

  it('compares several number runs in turn', () => {
    expect(['d2_c10.mp3', 'd10_c1.mp3', 'd2_c9.mp3'].sort(compareNatural)).toEqual(['d2_c9.mp3', 'd2_c10.mp3', 'd10_c1.mp3']);
  });

  it('orders numbers longer than a double holds by value', () => {
    expect(compareNatural('x_123456789012345678901', 'x_123456789012345678902')).toBeLessThan(0);
  });

  it('is a total order: antisymmetric, transitive and zero only for equal names', () => {
    const name = fc.stringMatching(/^[a-c0-9_]{0,8}$/);
    fc.assert(
      fc.property(name, name, name, (a, b, c) => {
        expect(Math.sign(compareNatural(a, b)) + Math.sign(compareNatural(b, a))).toBe(0);
        expect(compareNatural(a, b) === 0).toBe(a === b);
        if (compareNatural(a, b) < 0 && compareNatural(b, c) < 0) expect(compareNatural(a, c)).toBeLessThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('breaks the tie between 01 and 1 the same way every time', () => {
    expect(['b_1', 'b_01'].sort(compareNatural)).toEqual(['b_01', 'b_1']);
    expect(['b_01', 'b_1'].sort(compareNatural)).toEqual(['b_01', 'b_1']);
  });
});
