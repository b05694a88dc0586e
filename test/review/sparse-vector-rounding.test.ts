/**
 * Review finding (bounded overspend, new class 17 "a rounding step that is not 1-Lipschitz"):
 * sparse vector rounds a real query answer with `Math.floor(x + 0.5)`
 * (src/mechanisms/sparse-vector.ts `integerAnswer`). Near 2^53 the float sum x + 0.5 rounds to
 * even, so two answers 1 apart become integers 2 apart: 2^53 − 2 → 2^53 − 2 and 2^53 − 1 → 2^53.
 * The noise is calibrated to the declared Δ = 1, so that query spends 2·ε₂ (the same holds for
 * answers one apart anywhere in [2^52, 2^53)). Bounded (×2), and only for answers ≥ 2^52.
 *
 * Rule that closes the class: a rounding map applied before calibrated noise must be exactly
 * monotone and 1-Lipschitz on integers (round(x + Δ) = round(x) + Δ for integer Δ): round exactly
 * (|x| ≥ 2^52 is already an integer: return BigInt(x); otherwise Math.floor(x + 0.5) is exact), and
 * a property test over doubles near powers of two checks |r(a) − r(b)| ≤ ⌈|a − b|⌉.
 * Owner: ledger (src/mechanisms).
 */
import { describe, expect, it } from 'vitest';
import { roundedAnswer } from '../mechanisms/_sparse-vector-rounded.js';

describe('review: sparse vector rounding of real answers', () => {
  it('control: ordinary answers round half up with |r(a) − r(b)| ≤ 1 for |a − b| ≤ 1', () => {
    expect(roundedAnswer(2.5)).toBe(3n);
    expect(roundedAnswer(3.4)).toBe(3n);
    expect(roundedAnswer(1e6 + 0.5) - roundedAnswer(1e6 - 0.5)).toBe(1n);
  });
  it('regression (review, fixed by the lead: exact Math.round): answers 2^53 − 2 and 2^53 − 1 (Δ = 1 apart) are rounded at most 1 apart', () => {
    const a = 2 ** 53 - 2;
    const b = 2 ** 53 - 1;
    expect(roundedAnswer(b) - roundedAnswer(a)).toBeLessThanOrEqual(1n);
  });
});
