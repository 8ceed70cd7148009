import fc from 'fast-check';
import { planListingSync } from '../../../core/listing-sync-plan';

const m = (o: Record<string, string[]>) => new Map(Object.entries(o));

describe('planning a listing sync', () => {
  it('adds missing books, rebuilds changed ones, removes stale ones and leaves the rest', () => {
    const plan = planListingSync(m({ A: ['1', '2'], B: ['1'], C: ['x'] }), m({ B: ['1', 'old'], C: ['x'], Z: ['z'] }));
    expect(plan).toEqual({ put: [{ book: 'A', files: ['1', '2'] }, { book: 'B', files: ['1'] }], remove: ['Z'], unchanged: 1 });
  });

  it('ignores file order when comparing a book', () => {
    expect(planListingSync(m({ A: ['1', '2'] }), m({ A: ['2', '1'] }))).toEqual({ put: [], remove: [], unchanged: 1 });
  });

  it('touches only the books in scope', () => {
    expect(planListingSync(m({ A: ['1'], B: ['1'] }), m({ C: ['1'] }), new Set(['B']))).toEqual({ put: [{ book: 'B', files: ['1'] }], remove: [], unchanged: 0 });
  });

  it('converges: after applying a plan the next plan is empty', () => {
    const books = fc.dictionary(fc.stringMatching(/^[A-D]$/), fc.uniqueArray(fc.stringMatching(/^[a-c]$/), { minLength: 1 }));
    fc.assert(
      fc.property(books, books, (desiredObj, observedObj) => {
        const desired = m(desiredObj);
        const observed = m(observedObj);
        const plan = planListingSync(desired, observed);
        plan.remove.forEach((b) => observed.delete(b));
        plan.put.forEach(({ book, files }) => observed.set(book, files));
        const sorted = (x: Map<string, string[]>) => new Map([...x].map(([b, f]) => [b, [...f].sort()]));
        expect(sorted(observed)).toEqual(sorted(desired));
        expect(planListingSync(desired, observed)).toEqual({ put: [], remove: [], unchanged: desired.size });
      }),
    );
  });
});
