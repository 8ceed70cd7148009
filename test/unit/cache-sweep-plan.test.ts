import { planSweep } from '../../core/cache-sweep-plan';

const MB = 1024 * 1024;
const now = 10_000_000;
const file = (name: string, sizeMb: number, secondsAgo: number) => ({ path: name, size: sizeMb * MB, lastRead: now - secondsAgo * 1000 });

describe('the sweep plan', () => {
  test('removes least recently read chunks first until the rest fits the byte budget', () => {
    const files = [file('c', 30, 10), file('a', 30, 300), file('d', 30, 1), file('b', 30, 200)];
    const plan = planSweep(files, { maxBytes: 60 * MB, maxAgeMs: 86_400_000, now });
    expect(plan.remove.map((f) => f.path)).toEqual(['a', 'b']);
    expect(plan.keptBytes).toBe(60 * MB);
  });

  test('removes every chunk past the age limit even when under budget', () => {
    const plan = planSweep([file('old', 1, 7200), file('new', 1, 60)], { maxBytes: 100 * MB, maxAgeMs: 3_600_000, now });
    expect(plan.remove.map((f) => f.path)).toEqual(['old']);
  });

  test('a cache within budget and age loses nothing', () => {
    const plan = planSweep([file('a', 10, 5), file('b', 10, 6)], { maxBytes: 20 * MB, maxAgeMs: 3_600_000, now });
    expect(plan.remove).toEqual([]);
  });
});
