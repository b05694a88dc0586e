/**
 * Review, session 5 (issue 10 class 9, "filters add floats", members in the accountants and the odometer): a spent
 * total or a stated guarantee computed with round-to-nearest can be BELOW what was spent, and a long run of small
 * releases can leave it unchanged for ever (each addition below half an ulp is absorbed).
 *
 * On main 9dab8df:
 * - `ZcdpAccountant` prices `gaussian(σ)` as `c / (2σ²)` rounded to nearest: for 89 of σ = 1 … 200 the ρ it states is
 *   below the exact 1/(2σ²) (σ = 3: 0.05555555555555555 < 1/18), and so is the ε it derives.
 * - `ZcdpAccountant` adds ρ with `+=`: gaussian(1) then 1,000 × gaussian(2³⁰) (ρ = 2⁻⁶¹ each) states ρ = 0.5 and the
 *   same ε(1e-6) as gaussian(1) alone — true ρ = 0.5 + 1000·2⁻⁶¹; any number of such releases is absorbed.
 * - `PrivacyOdometer` adds ε with `+=` (`basicEpsilon`, `rho`): laplace(1) then 1,000 × laplace(2⁶⁰) reports
 *   `basic.epsilon` = 1 and `epsilon(0)` = 1 for a true 1 + 1000·2⁻⁶⁰. An odometer is what an application checks to
 *   stop (`odo.epsilon(δ) > budget`): this is issue 10 item 9's "unlimited charges below half an ulp", in the odometer.
 * (RdpAccountant and PldAccountant moved on the same composition: not claimed here.)
 *
 * Rule that would close the class: every spent total and every stated guarantee is computed exactly (Rational) or
 * rounded outward at each step (ρ, ε per event rounded up; sums rounded up; conversions monotone and rounded up),
 * so the stated value is ≥ the exact one; property test: for random event lists, the stated ρ/ε is ≥ the exact
 * Rational sum. Owner: trustcalc (src/accounting/*). Status: fixed on main (trustcalc's merge 68ac011: float sums
 * rounded outward); the three tests are regressions.
 */
import { describe, expect, it } from 'vitest';
import { DpEvents } from '../../src/accounting/dp-events.js';
import { PrivacyOdometer } from '../../src/accounting/privacy-odometer.js';
import { ZcdpAccountant } from '../../src/accounting/zcdp-accountant.js';
import { Rational } from '../../src/numeric/rational.js';

const exactRhoOf = (sigma: number) => Rational.ONE.div(Rational.fromNumber(sigma).mul(Rational.fromNumber(sigma)).mul(Rational.of(2n)));

describe('review S17: accountants and the odometer sum floats to nearest', () => {
  it('regression S17 (fixed by trustcalc on main 68ac011): ZcdpAccountant states a ρ ≥ the exact 1/(2σ²) for gaussian(σ), σ = 1 … 200', () => {
    const below: number[] = [];
    for (let s = 1; s <= 200; s++) {
      const z = new ZcdpAccountant();
      z.compose(DpEvents.gaussian(s));
      if (Rational.fromNumber(z.rho).lt(exactRhoOf(s))) below.push(s);
    }
    expect(below).toEqual([]);
  });

  it('regression S17 (fixed by trustcalc on main 68ac011): ZcdpAccountant: gaussian(1) then 1,000 × gaussian(2^30) states a ρ ≥ the exact sum 1/2 + 1000·2^-61', () => {
    const z = new ZcdpAccountant();
    z.compose(DpEvents.gaussian(1));
    for (let i = 0; i < 1000; i++) z.compose(DpEvents.gaussian(2 ** 30));
    const exact = exactRhoOf(1).add(exactRhoOf(2 ** 30).mul(Rational.of(1000n)));
    expect(Rational.fromNumber(z.rho).ge(exact)).toBe(true);
  });

  it('regression S17 (fixed by trustcalc on main 68ac011): PrivacyOdometer: laplace(1) then 1,000 × laplace(2^60) reports ε ≥ the exact 1 + 1000·2^-60 (basic and epsilon(0))', () => {
    const o = new PrivacyOdometer();
    o.record(DpEvents.laplace(1));
    for (let i = 0; i < 1000; i++) o.record(DpEvents.laplace(2 ** 60));
    const exact = Rational.ONE.add(Rational.fromNumber(2 ** -60).mul(Rational.of(1000n)));
    expect(Rational.fromNumber(o.basic.epsilon).ge(exact)).toBe(true);
    expect(Rational.fromNumber(o.epsilon(0)).ge(exact)).toBe(true);
  });
});
