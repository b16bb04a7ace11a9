import fc from 'fast-check';
import { pickWithinBudget } from './fixity.manager';

const copies = (...sizes: number[]) => sizes.map((size, i) => ({ id: `c${i}`, size }));

describe('pickWithinBudget (the fixity audit budget)', () => {
  it('takes copies in order while they fit this cycle, and stops at the first that does not', () => {
    expect(
      pickWithinBudget(copies(40, 50, 5, 10), { perCycle: 100, leftToday: 1000 }).map((c) => c.id),
    ).toEqual(['c0', 'c1', 'c2']);
    // Order is the priority: a smaller copy behind one that does not fit waits its turn.
    expect(pickWithinBudget(copies(40, 70, 5), { perCycle: 100, leftToday: 1000 }).map((c) => c.id)).toEqual([
      'c0',
    ]);
  });

  it('takes a copy larger than a whole cycle alone when it is first in line and the day still holds it', () => {
    expect(pickWithinBudget(copies(500, 1), { perCycle: 100, leftToday: 1000 }).map((c) => c.id)).toEqual([
      'c0',
    ]);
    expect(pickWithinBudget(copies(500, 1), { perCycle: 100, leftToday: 499 })).toEqual([]);
  });

  it('never exceeds what is left of the day, nor (but for one large copy alone) the cycle', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: -500, max: 5000 }),
        (sizes, perCycle, leftToday) => {
          const picked = pickWithinBudget(copies(...sizes), { perCycle, leftToday });
          const sum = picked.reduce((s, c) => s + c.size, 0);
          expect(sum).toBeLessThanOrEqual(Math.max(leftToday, 0));
          if (picked.length > 1) expect(sum).toBeLessThanOrEqual(perCycle);
          // A prefix of the candidates, in their order.
          expect(picked.map((c) => c.id)).toEqual(sizes.slice(0, picked.length).map((_, i) => `c${i}`));
        },
      ),
    );
  });
});
