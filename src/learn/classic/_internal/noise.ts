/**
 * The noise the classic models add, each piece a core `Measurement` whose
 * privacy map is composed into the model's map:
 *
 * - released sufficient statistics (counts, sums, Gram matrices) go through
 *   the secure vector Laplace mechanism of `tsdp/mechanisms` (grid-rounded,
 *   exact discrete noise: no floating-point leak), calibrated with
 *   `laplaceScaleForEpsilon` so that its map never exceeds the share of ε;
 * - objective perturbation's linear term b needs a vector whose density is
 *   ∝ exp(−‖b‖₂/scale) (the "K-norm" noise of Chaudhuri et al. 2011):
 *   `sampleObjectiveNoise` (radius Gamma(d, scale), a normalised Gaussian
 *   direction). It is NEVER released: it only enters the optimisation, and the
 *   minimiser is released through the grid Laplace path below.
 *
 * Rule (SECURITY §1; `noise.proof.md`): every real value a classic model or
 * an audit releases that carries noise is a multiple of a power-of-two grid
 * chosen from public parameters, with exact discrete noise on that grid —
 * `laplaceStatistic` is the only release path, and its map includes the
 * grid's rounding (`src/mechanisms/laplace.proof.md`; Mironov 2012).
 * @module
 */
import { type PureLoss, pure } from '../../../core/index.js';
import { laplaceScaleForEpsilon, makeVectorLaplace } from '../../../mechanisms/index.js';
import { Rational } from '../../../numeric/rational.js';
import { fillBulkGaussian, laplaceGranularity, type RandomSource } from '../../../random/index.js';
import { uniformUnit } from '../../init.js';

/** @internal A released statistic: the Laplace measurement and the L1 sensitivity of one row. */
export interface LaplaceStatistic {
  readonly size: number;
  readonly sensitivity: number;
  readonly scale: number;
  /** The public grid g (a power of two from the scale only): every released coordinate is a multiple of it. */
  readonly granularity: number;
  /** The loss for dIn added/removed rows: the mechanism's own map at L1 distance dIn·sensitivity. */
  loss(dIn: number): PureLoss;
  /** Releases `values` (length `size`). */
  release(values: readonly number[], rng: RandomSource): number[];
}

/** @internal A Laplace statistic of `size` coordinates, L1 sensitivity `sensitivity` per row, costing at most `epsilon`. */
export function laplaceStatistic(epsilon: number, sensitivity: number, size: number): LaplaceStatistic {
  const scale = laplaceScaleForEpsilon(epsilon, sensitivity, { size });
  const m = makeVectorLaplace({ scale, size, sensitivity });
  return {
    size,
    sensitivity,
    scale,
    granularity: laplaceGranularity(scale),
    loss: (dIn) => m.privacyMap(dIn * sensitivity),
    release: (values, rng) => m.invoke(values, rng),
  };
}

/** @internal Σ of pure losses, exactly, rounded up once. */
export function composePure(losses: readonly PureLoss[]): PureLoss {
  let sum = Rational.ZERO;
  for (const l of losses) sum = sum.add(Rational.fromNumber(l.epsilon));
  return pure(sum.toNumberUp());
}

/** @internal A draw of Gamma(shape, scale) for an integer shape: −scale·Σ log U. */
export function sampleGammaInteger(shape: number, scale: number, rng: RandomSource): number {
  let s = 0;
  for (let i = 0; i < shape; i++) s -= Math.log(1 - uniformUnit(rng)); // 1 − U ∈ (0, 1]
  return s * scale;
}

/**
 * @internal A vector of length d with density ∝ exp(−‖z‖₂/scale), in floating point: for objective
 * perturbation's b only, which enters the optimisation and is never released (noise.proof.md).
 */
export function sampleObjectiveNoise(d: number, scale: number, rng: RandomSource): Float64Array {
  const direction = new Float64Array(d);
  let norm = 0;
  while (norm === 0) {
    fillBulkGaussian(direction, 1, rng);
    norm = 0;
    for (const x of direction) norm += x * x;
    norm = Math.sqrt(norm);
  }
  const radius = sampleGammaInteger(d, scale, rng);
  for (let i = 0; i < d; i++) direction[i] = ((direction[i] as number) / norm) * radius;
  return direction;
}

/**
 * @internal Splits ε into shares proportional to `weights`, each scaled by (1 − 10⁻⁹) so that
 * the shares' exact sum, after the float rounding of each product, is below ε: the composed
 * map (each part ≤ its share, calibration never overshoots) is then ≤ ε.
 */
export function splitEpsilon(epsilon: number, weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => ((epsilon * w) / total) * (1 - 1e-9));
}
