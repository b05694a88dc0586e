/**
 * Discrete Gaussian core (CKS 2020, Algorithm 3) with a floating-point fast
 * path for the acceptance test and an exact fallback.
 * @module
 */
import { Rational } from '../rational.js';
import type { RandomSource } from '../source.js';
import { bernoulliExpFromWord } from './bernoulli-exp-core.js';
import { decideBernoulliExp } from './exp-bounds.js';
import { discreteLaplaceCore, discreteLaplaceNumber } from './geometric-core.js';

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
  return { A, B, t, tNumber, sigmaSquared: s2, center: s2 / tNumber, inverseTwoSigmaSquared: 1 / (2 * s2), isFast };
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
  for (;;) {
    const y = ctx.isFast ? discreteLaplaceNumber(ctx.tNumber, 1, rng) : discreteLaplaceCore(ctx.t, 1n, rng);
    const w = rng.nextUint32();
    let xd: number;
    if (ctx.isFast && typeof y === 'number') {
      const d = Math.abs(y) - ctx.center;
      xd = d * d * ctx.inverseTwoSigmaSquared;
    } else {
      xd = exactX(ctx, y).toNumber();
    }
    const decision = decideBernoulliExp(xd, w);
    if (decision === 1) return y;
    if (decision === 0) continue;
    if (bernoulliExpFromWord(exactX(ctx, y), w, rng)) return y;
  }
}

/** x = (|Y| − σ²/t)²/(2σ²) = (|Y|·B·t − A)² / (2·A·B·t²), exactly. */
function exactX(ctx: DiscreteGaussianContext, y: number | bigint): Rational {
  const absY = typeof y === 'bigint' ? (y < 0n ? -y : y) : BigInt(Math.abs(y));
  const num = absY * ctx.B * ctx.t - ctx.A;
  return Rational.of(num * num, 2n * ctx.A * ctx.B * ctx.t * ctx.t);
}
