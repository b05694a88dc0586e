/**
 * A sized mean's row count is DECLARED (`size: n`), never read from the data: `dpMean(values, { publicSize: true })`
 * took it from `values.length` and published it through the noise scale (review finding mean-public-size: the
 * interval width told n = 100 from n = 101 with certainty). With `size`, the first n rows are used (missing ones
 * count as the midpoint), so one added or removed row changes at most one of the n rows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dpMean } from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const bounds: [number, number] = [0, 10];

function release(values: readonly number[], size: number, seed: number) {
  return dpMean(Float64Array.from(values), { bounds, budget: { epsilon: 1 }, size, rng: new SeededRandomSource(seed) });
}

describe('dpMean with a declared size', () => {
  it('gives n = 100 and n = 101 rows the same interval width under one declared size (regression: publicSize published n)', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const a = release(new Array(100).fill(5), 100, seed).interval;
      const b = release(new Array(101).fill(5), 100, seed + 100).interval;
      expect(b.upper - b.lower).toBeCloseTo(a.upper - a.lower, 12);
    }
  });

  it('refuses the removed publicSize option with INVALID_PARAMETER, naming size', () => {
    expect(() => dpMean([1, 2, 3], { bounds, budget: { epsilon: 1 }, publicSize: true } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER', message: expect.stringMatching(/size: n/) }),
    );
  });

  it('generative: adding or removing one row anywhere moves the exact sized mean by at most (upper − lower)/size (fast-check, seed 21)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 15, noNaN: true }), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 1, max: 50 }),
        fc.nat(),
        fc.double({ min: -5, max: 15, noNaN: true }),
        fc.boolean(),
        fc.nat(),
        (values, size, at, extra, add, seed) => {
          const neighbour = values.slice();
          if (add) neighbour.splice(at % (values.length + 1), 0, extra);
          else if (values.length > 0) neighbour.splice(at % values.length, 1);
          // One seed: the same noise draw on both sides, so the values differ by the exact means' difference only
          // (clamping the release to the bounds is 1-Lipschitz).
          const a = release(values, size, seed);
          const b = release(neighbour, size, seed);
          expect(Math.abs(a.value - b.value)).toBeLessThanOrEqual(((bounds[1] - bounds[0]) / size) * (1 + 1e-9) + 1e-9);
        },
      ),
      { numRuns: 300, seed: 21 },
    );
  });
});
