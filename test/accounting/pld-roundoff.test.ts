/**
 * Class 10 ("an accountant answer that is not a sound upper bound"), review S26: the PLD's FFT compositions carry
 * a proven bound on their round-off (`src/accounting/pld-roundoff.proof.md`), so ε(δ) and δ(ε) are never below
 * the exact values, down to δ = 10⁻¹⁴.
 *
 * Exact references (no discretisation, no FFT), computed in double with their own error stated:
 * - n Gaussians of σ (sensitivity 1) compose to one of μ = √n/σ: δ(ε) = Φ(−ε/μ + μ/2) − e^ε·Φ(−ε/μ − μ/2), in log
 *   space (relative error ≲ 10⁻¹³·(|A| + |B|)/|B − A|, A, B the two logarithms; the tolerance below covers it);
 * - m pure-ε events (ε, 0) — and randomized response on two buckets, which is one — compose to a binomial loss
 *   (2k − m)·ε with probability C(m, k)·pᵏ(1 − p)^{m−k}, p = 1/(1 + e^{−ε});
 * - both together: the loss is the binomial plus an independent N(μ²/2, μ²), so δ(ε) = Σ_k P_k·δ_G(ε − ℓ_k; μ)
 *   (δ_G of the Gaussian formula at any real argument).
 * The PLD rounds every loss up to its grid and truncates tails pessimistically, so each of its answers must be ≥
 * the exact one. Laplace and the subsampled Gaussian have no exact reference here (they are covered by
 * `agreement.test.ts` against dp_accounting and by the never-NaN grid).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyLossDistribution } from '../../src/accounting/privacy-loss-distribution.js';
import { logAbsBinomial, logNormalCdf } from '../../src/numeric/special.js';

/** [exact δ_G(ε; μ), its relative error bound]. */
function gaussianDelta(epsilon: number, mu: number): [number, number] {
  const a = logNormalCdf(-epsilon / mu + mu / 2);
  const b = epsilon + logNormalCdf(-epsilon / mu - mu / 2);
  if (a === Number.NEGATIVE_INFINITY) return [0, 0];
  const gap = a - b;
  return [Math.exp(a) * -Math.expm1(-gap), 1e-13 * ((Math.abs(a) + Math.abs(b) + 1) / Math.max(gap, 1e-300))];
}

/** Exact δ(ε) of m pure-`pure` events composed with a Gaussian of μ (μ = 0: none), and its relative error bound. */
function mixtureDelta(epsilon: number, m: number, pure: number, mu: number): [number, number] {
  const logP = -Math.log1p(Math.exp(-pure));
  const logQ = -Math.log1p(Math.exp(pure));
  let delta = 0;
  let err = 0;
  for (let k = 0; k <= m; k++) {
    const weight = Math.exp(logAbsBinomial(m, k) + k * logP + (m - k) * logQ);
    const loss = (2 * k - m) * pure;
    if (mu === 0) {
      if (loss > epsilon) delta += weight * -Math.expm1(epsilon - loss);
    } else {
      const [d, e] = gaussianDelta(epsilon - loss, mu);
      delta += weight * d;
      err = Math.max(err, e);
    }
  }
  return [delta, err + 1e-12 * (m + 1)];
}

/** Asserts the PLD's δ(ε) and ε(δ) are ≥ the exact ones (given by `exact`, with its relative error). */
function assertAbove(pld: PrivacyLossDistribution, exact: (eps: number) => [number, number], deltas: number[], eps: number[]) {
  for (const e of eps) {
    const [d, rel] = exact(e);
    expect(pld.delta(e)).toBeGreaterThanOrEqual(d * (1 - Math.min(1, 1e-9 + rel)));
  }
  for (const delta of deltas) {
    const e = pld.epsilon(delta);
    expect(Number.isNaN(e)).toBe(false);
    if (e === Number.POSITIVE_INFINITY) continue;
    // ε(δ) ≥ exact ε(δ) ⟺ exact δ(ε(δ)) ≤ δ (exact δ is non-increasing).
    const [d, rel] = exact(e);
    expect(d * (1 - Math.min(1, 1e-9 + rel))).toBeLessThanOrEqual(delta);
  }
}

const DELTAS = [1e-3, 1e-5, 1e-7, 1e-9, 1e-10, 1e-12, 1e-14];

describe('review S26: FFT compositions are upper bounds of the exact PLD (round-off bounded)', () => {
  it('regression: 1,000 Gaussians of σ = 1, δ down to 1e-14 (the review case: 721.511 < 721.547 at 1e-12)', () => {
    const pld = PrivacyLossDistribution.gaussian(1).selfCompose(1000);
    const mu = Math.sqrt(1000);
    assertAbove(pld, (e) => gaussianDelta(e, mu), [1e-6, 1e-9, 1e-12, 1e-14], [650, 721.3594]);
    expect(pld.epsilon(1e-12)).toBeGreaterThanOrEqual(721.5471743718093);
  }, 300_000);

  it('generative (fast-check, seed 26): self-composed Gaussians, pure-ε and randomized-response events and their compositions are never below the exact δ(ε) or ε(δ), δ ≥ 1e-14', () => {
    fc.assert(
      fc.property(
        fc.record({
          sigma: fc.double({ min: 0.5, max: 8, noNaN: true }),
          n: fc.integer({ min: 1, max: 1000 }),
          pure: fc.double({ min: 0.01, max: 1, noNaN: true }),
          m: fc.integer({ min: 0, max: 200 }),
          rr: fc.boolean(),
          grid: fc.constantFrom(1e-4, 1e-3),
          epsilons: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        }),
        ({ sigma, n, pure, m, rr, grid, epsilons }) => {
          const d = { valueDiscretizationInterval: grid };
          let pld = PrivacyLossDistribution.gaussian(sigma, d).selfCompose(n);
          let pureEps = pure;
          if (m > 0) {
            // Randomized response on two buckets with p = 2/(1 + e^ε) is one pure-ε event.
            const one = rr
              ? PrivacyLossDistribution.randomizedResponse(2 / (1 + Math.exp(pure)), 2, { ...d, relation: 'replaceOne' })
              : PrivacyLossDistribution.epsilonDelta(pure, 0, d);
            if (rr) pureEps = Math.log((1 - 1 / (1 + Math.exp(pure))) / (1 / (1 + Math.exp(pure))));
            pld = pld.compose(one.selfCompose(m));
          }
          const mu = Math.sqrt(n) / sigma;
          const exact = (e: number) => mixtureDelta(e, m, pureEps, mu);
          // ε spread over where δ runs from 10⁻² to 10⁻¹⁴.
          const top = (mu * mu) / 2 + 8 * mu + m * pureEps;
          assertAbove(
            pld,
            exact,
            DELTAS,
            epsilons.map((t) => t * top),
          );
        },
      ),
      { seed: 26, numRuns: 12 },
    );
  }, 300_000);
});
