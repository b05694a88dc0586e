/**
 * Review M16 (class 10: an accountant's answer is an upper bound; rule: src/core/zcdp-conversion.proof.md):
 * `zcdpToApproximate` evaluated the Canonne–Kamath–Steinke ε(α) at its minimising order to nearest plus 4 ulps, and
 * its terms cancel (δ near 1, tiny ρ), so the stated ε sat up to ≈ 500 ulps below the exact value. Now the order is a
 * nearest choice and ε(α) at it is evaluated upward (`cksEpsilonAtUp`); the simple bound ρ + 2√(ρ ln(1/δ)) too.
 * Reference: the exact formulas at 400 bits (test/accounting/_fixed-point.ts); the exact CKS minimum by a ternary
 * search at 400 bits around the double minimiser (convex ε(α): the search's end point is within its final width of
 * the minimiser, where ε is flat; our ε must be ≥ that reference with no slack).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cksEpsilonAtUp, zcdp, zcdpToApproximate, zcdpToApproximateSimple } from '../../src/core/loss.js';
import * as F from '../accounting/_fixed-point.js';

/** Exact ε(α) = αρ + (ln(1/δ) + α·log1p(−1/α) − ln(α−1))/(α−1) at a 400-bit α. */
function refEpsAt(rho: number, delta: number, A: bigint): bigint {
  const am1 = A - F.ONE;
  const num = -F.log(F.fromDouble(delta)) + F.mul(A, F.log1p(-F.div(F.ONE, A))) - F.log(am1);
  return F.mul(A, F.fromDouble(rho)) + F.div(num, am1);
}

/** The exact minimum over α (ternary search at 400 bits on α ∈ [lo, hi], where ε(α) is convex). */
function refMinEps(rho: number, delta: number, lo: number, hi: number): bigint {
  let a = F.fromDouble(lo);
  let b = F.fromDouble(hi);
  for (let i = 0; i < 90; i++) {
    const m1 = a + (b - a) / 3n;
    const m2 = b - (b - a) / 3n;
    if (refEpsAt(rho, delta, m1) <= refEpsAt(rho, delta, m2)) b = m2;
    else a = m1;
  }
  return refEpsAt(rho, delta, a);
}

/** The double minimiser of the nearest ε(α) (a grid on log(α − 1)), to centre the reference search. */
function doubleMinimiser(rho: number, delta: number): number {
  const L = Math.log(1 / delta);
  let bestA = 2;
  let best = Number.POSITIVE_INFINITY;
  for (let t = -30; t <= 30; t += 0.01) {
    const a = 1 + Math.exp(t);
    const v = a * rho + (L + a * Math.log1p(-1 / a) - Math.log(a - 1)) / (a - 1);
    if (v < best) {
      best = v;
      bestA = a;
    }
  }
  return bestA;
}

const logUniform = (lo: number, hi: number) => fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map((t) => Math.exp(t));

describe('zCDP → (ε, δ) stated above the exact CKS value (review M16, zcdp-conversion.proof.md)', () => {
  it('regression: ρ 1.26e−14, δ 9.45e−8 (old ε 500 ulps below mpmath 3.0322179383701916e−9) is now above', () => {
    const eps = zcdpToApproximate(zcdp(1.2613685518256051e-14), 9.45057049337833e-8).epsilon;
    expect(eps).toBeGreaterThanOrEqual(3.0322179383701916e-9);
    expect(eps).toBeLessThan(3.0322179383701916e-9 * (1 + 1e-9)); // still tight
  });

  it('regression: the simple bound at δ = 1 − 2⁻³⁰ (1/δ rounded was a 2⁻²³ relative error of ln(1/δ)) is above the exact value', () => {
    const delta = 1 - 2 ** -30;
    const rho = 1e-3;
    const eps = zcdpToApproximateSimple(zcdp(rho), delta).epsilon;
    const ref = F.fromDouble(rho) + 2n * sqrtFixed(F.mul(F.fromDouble(rho), -F.log(F.fromDouble(delta))));
    expect(F.fromDouble(eps) >= ref).toBe(true);
  });

  it('generative: cksEpsilonAtUp(ρ, δ, α) ≥ the exact ε(α) (400-bit; fast-check seed 161)', () => {
    fc.assert(
      fc.property(logUniform(1e-15, 100), fc.double({ min: 1e-12, max: 0.999, noNaN: true }), logUniform(1e-6, 1e9), (rho, delta, am1) => {
        const alpha = 1 + am1;
        if (!(alpha > 1)) return;
        const v = cksEpsilonAtUp(rho, delta, alpha);
        expect(F.fromDouble(v) >= refEpsAt(rho, delta, F.fromDouble(alpha)), `ρ=${rho} δ=${delta} α=${alpha}`).toBe(true);
      }),
      { seed: 161, numRuns: 300 },
    );
  });

  it('generative: zcdpToApproximate(ρ, δ).ε ≥ the exact CKS minimum over α (400-bit ternary; fast-check seed 162)', () => {
    fc.assert(
      fc.property(logUniform(1e-14, 50), fc.double({ min: 1e-10, max: 0.99, noNaN: true }), (rho, delta) => {
        const eps = zcdpToApproximate(zcdp(rho), delta).epsilon;
        const a0 = doubleMinimiser(rho, delta);
        const lo = 1 + (a0 - 1) / 1.05;
        const ref = refMinEps(rho, delta, lo, 1 + (a0 - 1) * 1.05);
        const refPos = ref > 0n ? ref : 0n;
        expect(F.fromDouble(eps) >= refPos, `ρ=${rho} δ=${delta} ε=${eps}`).toBe(true);
      }),
      { seed: 162, numRuns: 40 },
    );
  });
});

describe('zCDP → (ε, δ) is non-decreasing in ρ and in 1/δ (orders on a fixed grid; zcdp-conversion.proof.md)', () => {
  it('regression: ρ 0.1734716485274604 gave 1 ulp MORE ε than the next double up (synth calibration, ε 3.95853905209833, δ 3.44e−11)', () => {
    const rho = 0.1734716485274604;
    const delta = 3.4430420128941044e-11;
    expect(zcdpToApproximate(zcdp(rho), delta).epsilon).toBeLessThanOrEqual(zcdpToApproximate(zcdp(rho * (1 + 2 ** -52)), delta).epsilon);
  });

  it("regression: at ρ 1.536050373470881e−4, δ one ulp below 1e−10 gave 1 ulp LESS ε than δ = 1e−10 (addAbove's 2-ulp step)", () => {
    const rho = 0.0001536050373470881;
    expect(zcdpToApproximate(zcdp(rho), 9.999999999999999e-11).epsilon).toBeGreaterThanOrEqual(zcdpToApproximate(zcdp(rho), 1e-10).epsilon);
  });

  it('generative: δ′ ≤ δ (a few ulps apart, or far) gives ε(δ′) ≥ ε(δ) (fast-check seed 164)', () => {
    fc.assert(
      fc.property(
        logUniform(1e-14, 100),
        fc.double({ min: 1e-15, max: 0.99, noNaN: true }),
        fc.oneof(
          fc.integer({ min: 1, max: 8 }).map((k) => 1 - k * 2 ** -53),
          logUniform(1e-3, 1 - 1e-12),
        ),
        (rho, delta, factor) => {
          const d2 = delta * factor;
          expect(zcdpToApproximate(zcdp(rho), d2).epsilon, `ρ=${rho} δ=${delta} δ′=${d2}`).toBeGreaterThanOrEqual(
            zcdpToApproximate(zcdp(rho), delta).epsilon,
          );
        },
      ),
      { seed: 164, numRuns: 400 },
    );
  });

  it('generative: ρ ≤ ρ′ (a few ulps apart, or far) gives ε(ρ) ≤ ε(ρ′) (fast-check seed 163)', () => {
    fc.assert(
      fc.property(
        logUniform(1e-14, 100),
        fc.double({ min: 1e-15, max: 0.99, noNaN: true }),
        fc.oneof(
          fc.integer({ min: 1, max: 8 }).map((k) => 1 + k * 2 ** -52),
          logUniform(1 + 1e-12, 2),
        ),
        (rho, delta, factor) => {
          const r2 = rho * factor;
          expect(zcdpToApproximate(zcdp(rho), delta).epsilon, `ρ=${rho} ρ′=${r2} δ=${delta}`).toBeLessThanOrEqual(
            zcdpToApproximate(zcdp(r2), delta).epsilon,
          );
        },
      ),
      { seed: 163, numRuns: 400 },
    );
  });
});

/** floor(√x) at 400 bits (Newton on BigInt). */
function sqrtFixed(x: bigint): bigint {
  if (x <= 0n) return 0n;
  const n = x << F.P;
  let r = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const next = (r + n / r) >> 1n;
    if (next >= r) return r;
    r = next;
  }
}
