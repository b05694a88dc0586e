/**
 * Rational.toNumber is the correctly rounded double of n/d (its fast path now compares magnitudes with 2⁵³ instead of
 * bitLength's string; the server's profile asked for it). Generative: around the 2⁵³ boundary and far beyond, the
 * result is at least as close to n/d as both neighbouring doubles (exact comparison in rationals).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextDown, nextUp } from '../../src/numeric/float-bits.js';
import { Rational } from '../../src/numeric/rational.js';

const big = fc.oneof(
  fc.bigInt({ min: 1n, max: 2n ** 53n + 8n }),
  fc.bigInt({ min: 2n ** 53n - 8n, max: 2n ** 53n + 8n }),
  fc.bigInt({ min: 1n, max: 2n ** 200n }),
);

describe('Rational.toNumber rounds to nearest (fast path by magnitude)', () => {
  it('generative: no neighbouring double is closer to n/d (fast-check, seed 16)', () => {
    fc.assert(
      fc.property(big, big, fc.boolean(), (n, d, neg) => {
        const q = Rational.of(neg ? -n : n, d);
        const r = q.toNumber();
        const dist = (x: number) => Rational.fromNumber(x).sub(q).abs();
        expect(dist(r).cmp(dist(nextUp(r)))).toBeLessThanOrEqual(0);
        expect(dist(r).cmp(dist(nextDown(r)))).toBeLessThanOrEqual(0);
      }),
      { seed: 16, numRuns: 400 },
    );
  });
});
