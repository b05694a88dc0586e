import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binomialLowerLimit, binomialPmf, binomialUpperLimit, clopperPearsonLower } from './index.js';

describe('the one statistical kit: exact binomial limits (tsdp/testing)', () => {
  it('gives exact limits whose tails are at most alpha, around the mean (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.constantFrom(1e-6, 1e-3, 0.05),
        (n, p, a) => {
          const lo = binomialLowerLimit(n, p, a);
          const hi = binomialUpperLimit(n, p, a);
          let below = 0;
          for (let k = 0; k < lo; k++) below += binomialPmf(n, p, k);
          let above = 0;
          for (let k = hi + 1; k <= n; k++) above += binomialPmf(n, p, k);
          expect(below).toBeLessThanOrEqual(a * (1 + 1e-9));
          expect(above).toBeLessThanOrEqual(a * (1 + 1e-9));
          expect(lo).toBeLessThanOrEqual(Math.ceil(n * p));
          expect(hi).toBeGreaterThanOrEqual(Math.floor(n * p));
        },
      ),
      { seed: 20261205, numRuns: 120 },
    );
    expect(binomialPmf(10, 0.5, 5)).toBeCloseTo(252 / 1024, 12);
    expect(clopperPearsonLower(0, 100, 0.05)).toBe(0);
    expect(() => binomialLowerLimit(-1, 0.5, 0.1)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});
