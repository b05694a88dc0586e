/**
 * Calibrated integer noise for aggregate releases: discrete Laplace (pure ε)
 * or discrete Gaussian (ρ-zCDP), with exact rational parameters, the
 * guarantee they give, and analytic confidence half-widths.
 *
 * Everything released by `stats/` goes through here, so every noise addition
 * is traced (SECURITY.md §9) and comes from the exact samplers of `random/`
 * (SECURITY.md §1).
 * @module
 */
import { DpError } from '../../core/errors.js';
import { approximate, type PrivacyLoss, pure, zcdp } from '../../core/loss.js';
import { traceNoise } from '../../core/trace.js';
import { Rational } from '../../numeric/rational.js';
import { sampleDiscreteGaussian, sampleDiscreteLaplace } from '../../random/index.js';
import type { RandomSource } from '../../random/source.js';
import { chargedLoss, type OutputBudget, readBudget } from '../output-budget.js';
import { normalQuantile } from './normal.js';

export {
  chargedLoss,
  checkConfidence,
  checkPositive,
  checkPositiveInteger,
  type OutputBudget,
  readBounding,
  readBudget,
  showParameter,
  splitBudget,
} from '../output-budget.js';

/** The sensitivities of an integer-valued query (vector over partitions) under the neighbouring relation. */
export interface IntegerSensitivity {
  /** L1 sensitivity (for Laplace). */
  readonly l1: bigint;
  /** Squared L2 sensitivity (for Gaussian). */
  readonly l2Squared: bigint;
}

/** Noise calibrated to a budget and a sensitivity. */
export interface CalibratedNoise {
  readonly kind: 'discrete-laplace' | 'discrete-gaussian';
  /** Laplace scale b (P(k) ∝ e^{−|k|/b}) or Gaussian σ, in the query's integer units (rounded to a double for display). */
  readonly scale: number;
  /** The loss this noise gives for the sensitivity it was calibrated to. */
  readonly guarantee: PrivacyLoss;
  /** Draws one noise value. */
  sample(rng: RandomSource): bigint;
  /** The smallest k with P(|Z| > k) ≤ 1 − confidence. */
  halfWidth(confidence: number): number;
  /** The variance of the noise (upper bound for the discrete Gaussian). */
  readonly variance: number;
  /**
   * The privacy map of this noise on a query whose sensitivity per privacy unit
   * is the one it was calibrated to: the loss when neighbouring inputs differ by
   * `units` privacy units (the query then moves by at most `units` times the
   * sensitivity). Exact rational arithmetic, rounded up: pure `units·Δ₁/b`,
   * zCDP `units²·Δ₂²/(2σ²)`. At `units = 1` it is exactly `guarantee`.
   */
  lossAt(units: number): PrivacyLoss;
}

/**
 * Calibrates discrete Laplace (pure ε, scale = Δ₁/ε exactly) or discrete
 * Gaussian (ρ-zCDP, σ² = Δ₂²/(2ρ) exactly) noise.
 * @privacy ε-DP (Canonne–Kamath–Steinke 2020, Prop. 4 (discrete Laplace)) or ρ-zCDP (ibid., Thm 4) for the given sensitivity.
 */
export function calibrateNoise(budget: OutputBudget, sensitivity: IntegerSensitivity): CalibratedNoise {
  const b = readBudget(budget);
  if (b.kind === 'pure') {
    const l1 = sensitivity.l1 > 0n ? sensitivity.l1 : 1n;
    const scale = Rational.of(l1).div(Rational.fromNumber(b.epsilon));
    const scaleNumber = checkScale(scale.toNumberUp());
    const withDelta = 'delta' in budget && budget.delta !== undefined;
    return {
      kind: 'discrete-laplace',
      scale: scaleNumber,
      guarantee: chargedLoss(budget),
      variance: laplaceVariance(scaleNumber),
      sample(rng) {
        return sampleDiscreteLaplace(scale, rng);
      },
      halfWidth: (confidence) => laplaceHalfWidth(scaleNumber, confidence),
      lossAt(units) {
        // ε(k) = k·Δ₁/b with b = Δ₁/ε exactly, so ε(1) = ε.
        const epsilon = Rational.fromNumber(units).mul(Rational.of(l1)).div(scale).toNumberUp();
        return withDelta ? approximate(epsilon, 0) : pure(epsilon);
      },
    };
  }
  const l2Squared = sensitivity.l2Squared > 0n ? sensitivity.l2Squared : 1n;
  const sigmaSquared = Rational.of(l2Squared).div(Rational.fromNumber(b.rho).mul(Rational.of(2n)));
  const sigma = checkScale(Math.sqrt(sigmaSquared.toNumberUp()));
  return {
    kind: 'discrete-gaussian',
    scale: sigma,
    guarantee: zcdp(b.rho),
    variance: sigma * sigma,
    sample(rng) {
      return sampleDiscreteGaussian(sigmaSquared, rng);
    },
    halfWidth: (confidence) => gaussianHalfWidth(sigma, confidence),
    lossAt(units) {
      // ρ(k) = (k·Δ₂)²/(2σ²) with σ² = Δ₂²/(2ρ) exactly, so ρ(1) = ρ.
      const k = Rational.fromNumber(units);
      return zcdp(
        k
          .mul(k)
          .mul(Rational.of(l2Squared))
          .div(sigmaSquared.mul(Rational.of(2n)))
          .toNumberUp(),
      );
    },
  };
}

/**
 * The largest noise scale (in integer units) tsdp calibrates: 2⁸⁰. A budget
 * so small that the scale passes it (e.g. `{ rho: 5e-324 }`, or ε below about
 * 3.5e-15 for a sum at the default 32-bit grid) is refused with
 * INVALID_PARAMETER before anything is charged, instead of overflowing to
 * ±Infinity (a RangeError in the sampler, a non-finite release): such noise
 * carries no information, and the exact samplers' cost grows with the
 * scale's size (the discrete Gaussian sampler was seen to stall near 2⁹⁰).
 */
export const MAX_NOISE_SCALE = 2 ** 80;

function checkScale(scale: number): number {
  if (!(Number.isFinite(scale) && scale <= MAX_NOISE_SCALE)) {
    throw new DpError('INVALID_PARAMETER', 'the budget is too small for this sensitivity: the noise scale would pass 2^80', {
      parameter: 'budget',
    });
  }
  return scale;
}

/**
 * Checks that noise released in value units (integer units × `granularity`)
 * stays finite at the stated confidence: the scale and the interval
 * half-width, times the granularity, must be finite doubles.
 * @throws DpError INVALID_PARAMETER (before anything is charged, when called from a plan).
 */
export function checkFiniteInValueUnits(noise: CalibratedNoise, granularity: number, confidence: number): void {
  const k = noise.halfWidth(confidence);
  if (!(Number.isFinite(noise.scale * granularity) && Number.isFinite(k * granularity * 4))) {
    throw new DpError(
      'INVALID_PARAMETER',
      'bounds, contributions and budget give noise beyond the double range: narrow the bounds or raise the budget',
      { parameter: 'bounds' },
    );
  }
}

/** Saturates a computed value to the finite doubles (post-processing: the guarantee is unchanged). */
export function saturate(x: number): number {
  if (Number.isNaN(x)) return 0;
  return x > Number.MAX_VALUE ? Number.MAX_VALUE : x < -Number.MAX_VALUE ? -Number.MAX_VALUE : x;
}

/** Adds calibrated noise to an exact integer and traces the call. */
export function addNoise(noise: CalibratedNoise, value: bigint, sensitivity: number, rng: RandomSource, primitive: string): bigint {
  traceNoise({ primitive: `${noise.kind}:${primitive}`, value, sensitivity, scale: noise.scale });
  return value + noise.sample(rng);
}

function laplaceVariance(b: number): number {
  // Var of the discrete Laplace with λ = e^{−1/b}: 2λ/(1−λ)².
  const lambda = Math.exp(-1 / b);
  const oneMinus = -Math.expm1(-1 / b);
  return (2 * lambda) / (oneMinus * oneMinus);
}

/**
 * P(|Z| ≥ k) = 2λ^k/(1+λ) for k ≥ 1 (λ = e^{−1/b}); returns the smallest k ≥ 0
 * with P(|Z| > k) ≤ 1 − c. Computed with a relative safety margin so float
 * error only widens the interval.
 */
export function laplaceHalfWidth(b: number, confidence: number): number {
  const alpha = 1 - confidence;
  const lambda = Math.exp(-1 / b);
  // P(|Z| > k) = 2 λ^{k+1} / (1 + λ) ≤ α  ⇔  k + 1 ≥ b · ln(2 / (α (1 + λ)))
  const need = b * Math.log(2 / (alpha * (1 + lambda)));
  return Math.max(0, Math.ceil(need * (1 + 1e-12) + 1e-9) - 1);
}

/**
 * Half-width for the discrete Gaussian: exact tail summation for σ ≤ 2000, else
 * the continuous quantile plus one (the discrete Gaussian's tails are no
 * heavier than the continuous one's shifted by 1; Canonne–Kamath–Steinke 2020, Prop. 25).
 */
export function gaussianHalfWidth(sigma: number, confidence: number): number {
  const alpha = 1 - confidence;
  if (sigma <= 2000) {
    const limit = Math.ceil(sigma * 40) + 10;
    const weights: number[] = [];
    let total = 0;
    for (let z = 0; z <= limit; z++) {
      const w = Math.exp(-(z * z) / (2 * sigma * sigma));
      weights.push(w);
      total += z === 0 ? w : 2 * w;
    }
    // tail(k) = P(|Z| > k)
    let inside = weights[0] ?? 1;
    for (let k = 0; k < limit; k++) {
      if (k > 0) inside += 2 * (weights[k] ?? 0);
      if (1 - inside / total <= alpha * (1 - 1e-9)) return k;
    }
    return limit;
  }
  return Math.ceil(sigma * normalQuantile(1 - alpha / 2)) + 1;
}
