/**
 * Discrete Gaussian core (CKS 2020, Algorithm 3) with a floating-point fast
 * path for the acceptance test and an exact fallback.
 * @module
 */
import { Rational } from '../../numeric/rational.js';
import type { RandomSource } from '../source.js';
import { uniformBelowUnchecked } from '../uniform.js';
import { bernoulliExpExact, bernoulliExpFromWord } from './bernoulli-exp-core.js';
import { decideBernoulliExp } from './exp-bounds.js';
import { discreteLaplaceCore, geometricUnitCount } from './geometric-core.js';
import { SPLIT_K, sampleSplitIndex } from './split-geometric.js';

/** Precomputed public quantities for one σ² = A/B. */
export interface DiscreteGaussianContext {
  readonly A: bigint;
  readonly B: bigint;
  /** t = ⌈σ⌉ (at least 1), the discrete Laplace scale of the proposal. */
  readonly t: bigint;
  readonly tNumber: number;
  /** σ² as the nearest double (relative error ≤ 2^−53). */
  readonly sigmaSquared: number;
  /** σ²/t as a double. */
  readonly center: number;
  /** 1/(2σ²) as a double. */
  readonly inverseTwoSigmaSquared: number;
  /** Whether the double fast path's error analysis applies (σ² in [2^−500, 2^500], t < 2^53). */
  readonly isFast: boolean;
  /** For the split proposal (σ in [2²⁰, 2⁴⁰]): L with t′ = K·L, 2L ≤ 2³²; else 0. */
  readonly splitL: number;
  /** t′ = K·L as a BigInt (0n when unused). */
  readonly splitT: bigint;
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // Newton steps from a float start, then fix up to the exact floor.
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/** Builds the context for σ² = sigmaSquared (a Rational > 0). */
export function discreteGaussianContext(sigmaSquared: Rational): DiscreteGaussianContext {
  const A = sigmaSquared.num;
  const B = sigmaSquared.den;
  // ⌊√(A/B)⌋ = ⌊√⌊A/B⌋⌋; ⌈σ⌉ is that, plus one unless σ is that integer.
  // (CKS use t = ⌊σ⌋ + 1; Algorithm 3 is exact for any t > 0 and t = ⌈σ⌉
  // accepts at least as often, ≈ 0.76 per try for large σ. When σ is a power
  // of two, so is t, and the uniform proposal below 2t never rejects.)
  const floorSigma = isqrt(A / B);
  const t = floorSigma * floorSigma * B === A && floorSigma > 0n ? floorSigma : floorSigma + 1n;
  const s2 = sigmaSquared.toNumber();
  const tNumber = Number(t);
  const isFast = s2 >= 2 ** -500 && s2 <= 2 ** 500 && t <= 9_007_199_254_740_991n;
  // Split proposal: t′ = K·⌈σ/K⌉ (within K/σ ≤ 2^−11 of σ, so acceptance stays ≈ 0.76).
  const splitL = isFast && tNumber >= 2 ** 20 && tNumber <= 2 ** 40 ? Math.ceil(tNumber / SPLIT_K) : 0;
  return {
    A,
    B,
    t,
    tNumber,
    sigmaSquared: s2,
    center: s2 / tNumber,
    inverseTwoSigmaSquared: 1 / (2 * s2),
    isFast,
    splitL,
    splitT: BigInt(splitL * SPLIT_K),
  };
}

/**
 * One exact discrete Gaussian sample (as a number when safe, else BigInt).
 *
 * Fast-path error bound (for decideBernoulliExp's contract
 * |xd − x| ≤ max(2^−42, 2^−45·x)): with c = σ²/t ≤ σ computed with relative
 * error < 2^−51.9, d = |Y| − c has absolute error E ≤ c·2^−51.9 + |d|·2^−53,
 * and x = d²·(1/(2σ²)) (σ² and 1/(2σ²) each rounded once, two products) then
 * has absolute error ≲ √(2x)·2^−51.9 + 6·2^−53·x, which is < 2^−48 for
 * x ≤ 31 and < 2^−45.4·x above.
 */
export function discreteGaussianCore(ctx: DiscreteGaussianContext, rng: RandomSource): number | bigint {
  if (ctx.splitL > 0) return discreteGaussianSplit(ctx, rng);
  if (ctx.isFast && ctx.tNumber <= TWO_51) return discreteGaussianFused(ctx, rng);
  for (;;) {
    const y = discreteLaplaceCore(ctx.t, 1n, rng);
    const w = rng.nextUint32();
    const xd = exactX(ctx, y).toNumber();
    const decision = decideBernoulliExp(xd, w);
    if (decision === 1) return y;
    if (decision === 0) continue;
    if (bernoulliExpFromWord(exactX(ctx, y), w, rng)) return y;
  }
}

const TWO_51 = 2_251_799_813_685_248;
const TWO_53 = 9_007_199_254_740_992;

/**
 * Algorithm 3 with Algorithm 2's inner rejection fused into the outer one.
 * Proposal: U uniform in [0, t), a fair sign, V with P(V = v) ∝ e^{−v}
 * (one word, see geometricUnitCount); Y = ±(U + tV), (−, 0) rejected. Accept
 * with probability exp(−U/t)·exp(−(|Y| − σ²/t)²/(2σ²)), one Bernoulli(exp(−x))
 * with x = U/t + (|Y| − σ²/t)²/(2σ²). A proposal (u, v, ±) is then returned
 * with probability ∝ e^{−v}·e^{−u/t}·exp(−(|y| − σ²/t)²/(2σ²)) =
 * e^{−|y|/t}·exp(−(|y| − σ²/t)²/(2σ²)) ∝ exp(−y²/(2σ²)) (the same product
 * CKS Algorithm 3 accepts, since its Laplace proposal is e^{−|y|/t}), so the
 * output is exactly the discrete Gaussian, with one Bernoulli test per
 * proposal instead of two.
 *
 * Error of xd = u·(1/t) + d²·(1/(2σ²)): the first term errs by ≤ 2^−52 (it is
 * < 1), the second as bounded above; with the final rounding the total is
 * < 2^−47 for x ≤ 31 and < 2^−45·x above — decideBernoulliExp's contract.
 * Requires t ≤ 2⁵¹ (so 2t ≤ 2⁵² is a safe uniform bound).
 */
function discreteGaussianFused(ctx: DiscreteGaussianContext, rng: RandomSource): number | bigint {
  const t = ctx.tNumber;
  const twoT = 2 * t;
  const inverseT = 1 / t;
  const center = ctx.center;
  const inverseTwoSigmaSquared = ctx.inverseTwoSigmaSquared;
  for (;;) {
    const r = uniformBelowUnchecked(twoT, rng);
    const negative = r >= t;
    const u = negative ? r - t : r;
    const v = geometricUnitCount(rng);
    // u + t·v is exact when the computed value is < 2⁵³ (rounding is monotone);
    // otherwise (v ≥ 2⁵³/t − 1 ≥ 3) this same proposal is finished in BigInt.
    const magnitude = u + t * v;
    if (magnitude >= TWO_53) {
      const big = BigInt(u) + BigInt(t) * BigInt(v);
      const x = Rational.of(BigInt(u), BigInt(t)).add(exactX(ctx, big));
      if (bernoulliExpExact(x, rng)) return negative ? -big : big;
      continue;
    }
    if (negative && magnitude === 0) continue;
    const d = magnitude - center;
    const xd = u * inverseT + d * d * inverseTwoSigmaSquared;
    const w = rng.nextUint32();
    const decision = decideBernoulliExp(xd, w);
    if (decision === 0) continue;
    if (decision === 1 || bernoulliExpFromWord(Rational.of(BigInt(u), BigInt(t)).add(exactX(ctx, magnitude)), w, rng)) {
      return negative ? -magnitude : magnitude;
    }
  }
}

/**
 * Algorithm 3 with a finer Laplace proposal, for σ in [2²⁰, 2⁴⁰]. With
 * t′ = K·L (K = 512, L = ⌈σ/K⌉ ≤ 2³¹): J = V·K + J_lo has P(J = j) ∝ e^{−j/K}
 * (split-geometric.ts), R is uniform in [0, L) together with a fair sign (one
 * word below 2L), and |Y| = J·L + R; (−, 0) is rejected. The proposal weight
 * of |Y| = y is e^{−jL/t′}; the Algorithm 3 target for the Laplace scale t′ is
 * e^{−y/t′}·exp(−(y − σ²/t′)²/(2σ²)) ∝ exp(−y²/(2σ²)); so accept with
 * probability exp(−x), x = R/t′ + (y − σ²/t′)²/(2σ²) — at least e^{−1/K} times
 * Algorithm 3's own acceptance, i.e. ≈ 0.76 per proposal instead of 0.48.
 *
 * Error of xd = R·(1/t′) + d²·(1/(2σ²)), d = y − σ²/t′ (σ²/t′ ≤ σ, relative error
 * < 2^−51.9): as in the fused path, < 2^−47 for x ≤ 31 and < 2^−45·x above.
 * Exactness of y: J·L + R < 2⁵³ is checked on the computed value (monotone
 * rounding); larger values (V ≥ 2¹³ for σ ≤ 2⁴⁰) go to BigInt.
 */
function discreteGaussianSplit(ctx: DiscreteGaussianContext, rng: RandomSource): number | bigint {
  const L = ctx.splitL;
  const twoL = 2 * L;
  const tPrime = L * SPLIT_K;
  const inverseT = 1 / tPrime;
  const center = ctx.sigmaSquared / tPrime;
  const inverseTwoSigmaSquared = ctx.inverseTwoSigmaSquared;
  for (;;) {
    const j = geometricUnitCount(rng) * SPLIT_K + sampleSplitIndex(rng);
    const r = uniformBelowUnchecked(twoL, rng);
    const negative = r >= L;
    const rest = negative ? r - L : r;
    const magnitude = j * L + rest;
    if (magnitude >= TWO_53) {
      const big = BigInt(j) * BigInt(L) + BigInt(rest);
      if (bernoulliExpExact(Rational.of(BigInt(rest), ctx.splitT).add(exactXFor(ctx, big, ctx.splitT)), rng)) return negative ? -big : big;
      continue;
    }
    if (negative && magnitude === 0) continue;
    const d = magnitude - center;
    const xd = rest * inverseT + d * d * inverseTwoSigmaSquared;
    const w = rng.nextUint32();
    const decision = decideBernoulliExp(xd, w);
    if (decision === 0) continue;
    if (
      decision === 1 ||
      bernoulliExpFromWord(Rational.of(BigInt(rest), ctx.splitT).add(exactXFor(ctx, BigInt(magnitude), ctx.splitT)), w, rng)
    ) {
      return negative ? -magnitude : magnitude;
    }
  }
}

/** (|Y| − σ²/t)²/(2σ²) = (|Y|·B·t − A)² / (2·A·B·t²), exactly, for a given proposal scale t. */
function exactXFor(ctx: DiscreteGaussianContext, absY: bigint, t: bigint): Rational {
  const num = absY * ctx.B * t - ctx.A;
  return Rational.of(num * num, 2n * ctx.A * ctx.B * t * t);
}

/** x = (|Y| − σ²/t)²/(2σ²) = (|Y|·B·t − A)² / (2·A·B·t²), exactly. */
function exactX(ctx: DiscreteGaussianContext, y: number | bigint): Rational {
  const absY = typeof y === 'bigint' ? (y < 0n ? -y : y) : BigInt(Math.abs(y));
  const num = absY * ctx.B * ctx.t - ctx.A;
  return Rational.of(num * num, 2n * ctx.A * ctx.B * ctx.t * ctx.t);
}
