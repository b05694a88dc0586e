/**
 * Review phase 2 (issue 10, "float rounding of mixed guarantees"; last session's P4, owner ledger): DP SQL's
 * `guaranteeOf` states an (ε, δ) + ρ loss as ε + ρ + 2√(ρ ln(1/δ)) in round-to-nearest doubles. With ε = 1, δ = 1/4
 * and ρ = 1e-40 the ρ part (≈ 1.7e-20) is below half an ulp of 1, so the stated ε is exactly 1 — below the true
 * bound, i.e. a guarantee stated smaller than what was spent (ulp-level). Rule: every float step of a stated
 * guarantee rounds outward (toward less privacy claimed), so a loss with ρ > 0 never states the bare ε.
 * On main fa28f62 the ledger's fix (NEWS 04:36, wip/ledger 300d905) is not merged yet.
 */
import { describe, expect, it } from 'vitest';
import { Rational } from '../../src/numeric/rational.js';
import { guaranteeOf } from '../../src/sql/query-measurement.js';

describe('review: a mixed (ε, δ) + ρ guarantee is rounded outward', () => {
  it('regression P4 (fixed by ledger 300d905: guaranteeOf rounds every float step up): ε = 1, δ = 1/4, ρ = 1e-40 is stated above ε = 1 (the ρ part rounded up, never away)', () => {
    const g = guaranteeOf({ epsilon: Rational.of(1n), delta: Rational.of(1n, 4n), rho: Rational.fromNumber(1e-40) });
    expect(g.kind === 'approximate' && g.epsilon > 1).toBe(true);
  });
});
