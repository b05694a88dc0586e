/**
 * Review ML (reviewml, stop 17 session 4), finding M16 — class 10 "an accountant's answer is an upper bound"
 * (S26's and the RDP terms' class), in the zCDP → (ε, δ) conversion every budget uses. Low: the stated ε is below the
 * exact Canonne–Kamath–Steinke value by 10⁻¹⁶ … 10⁻¹³ relative (≈ 500 ulps at most here, ≤ 10⁻¹² absolute) — but a
 * guarantee stated below its theorem's value, with a margin (4 ulps) that is not derived from an error bound.
 * Found through synth's new full-δ calibration (`rhoForEpsilonDelta(ε, δ, 'whole-delta')` bisects on this very
 * conversion: of 77 (ε, δ) grid points, 2 (whole δ) and 6 (δ/2) give a ρ whose exact δ(ε) exceeds the target δ by 1–6·10⁻¹⁶
 * relative, all at δ ≥ 10⁻³).
 * Owner: trust (`src/core/loss.ts` `zcdpToApproximate`, `cksEpsilonAt`; used by `zcdpEpsilonBound`, so by every
 * PrivacyBudget/Session/ledger pin that converts ρ, and by synth's stated guarantee).
 *
 * Where: ε(α) = αρ + (ln(1/δ) + α·log1p(−1/α) − ln(α − 1))/(α − 1) is evaluated in binary64 at the α found, then
 * `roundUpCost` adds 4 ulps of the RESULT. The terms cancel (ε ≪ the terms when δ is large or ρ tiny: at ρ = 1.26e−14,
 * δ = 9.5e−8, α ≈ 6.4·10⁶ and ε ≈ 3·10⁻⁹ is what is left of terms of order 10⁻⁷…1), so the rounding error is a few
 * ulps of the TERMS, hundreds of ulps of ε. (Any α gives a valid bound: only the evaluation's rounding is at fault.)
 *
 * Rule that would close the class: evaluate ε(α) with directed rounding and an error bound on the terms (as
 * `src/numeric/directed-libm.ts` does for the RDP terms: exp/log/log1p widened outward, directed add/mul/div), so the
 * result is ≥ the exact ε(α) at that α; test against high-precision references over (ρ, δ), δ up to 0.99.
 *
 * References: mpmath 1.3 at 60 digits, ε_CKS = min over α of the same ε(α) (grid on log(α − 1), then ternary search;
 * the minimiser is given for each), max(0, ·), never above the simple bound ρ + 2√(ρ ln(1/δ)) in these cases.
 */
import { describe, expect, it } from 'vitest';
import { zcdp, zcdpToApproximate } from '../../src/core/loss.js';

/** [ρ, δ, exact ε_CKS (mpmath, 30 digits), the minimising α]. */
const CASES: readonly (readonly [number, number, string, string])[] = [
  [1.2613685518256051e-14, 9.45057049337833e-8, '3.03221793837019157705458823712e-9', '6356374.711'],
  [9.013601579056858e-7, 0.0007658813115308495, '0.0000812209920064779165194033454385', '768.1614088'],
  [0.39, 0.5, '0.00711117984631847207506231829836', '1.674679794'],
  [1, 0.5, '0.97510868184738940377160314609', '1.522374956'],
  [10, 0.99, '5.49127945122977566403780619203', '1.009239139'],
  [100, 0.99, '96.1547185382982149488251798193', '1.006211399'],
];

describe('review ML M16: the zCDP → (ε, δ) conversion states ε below the exact CKS value', () => {
  it('control (holds): at moderate ρ and small δ the stated ε is above the reference', () => {
    // ρ = 0.5, δ = 1e−5 (mpmath: 4.728386984943313899970549 at α ≈ 5.43): no cancellation to speak of.
    expect(zcdpToApproximate(zcdp(0.5), 1e-5).epsilon).toBeGreaterThanOrEqual(Number('4.728386984943313899970549'));
  });

  it('FIXED M16 (was BUG): the stated ε is below the exact ε_CKS(ρ, δ) — by up to 10⁻¹³ relative (cancellation beyond the 4-ulp margin)', () => {
    for (const [rho, delta, exact] of CASES) {
      // The gaps are 2–500 ulps of ε (main 4de1ec1): far above the reference's own rounding to a double.
      expect(zcdpToApproximate(zcdp(rho), delta).epsilon).toBeGreaterThanOrEqual(Number(exact));
    }
  });
});
