/**
 * Per-example clipping without materialising per-example gradients (ghost
 * clipping). After `model.forwardBackward(batch)`, each trainable layer l
 * reports ‖g_{l,i}‖² for every example i (for Dense: (‖a_{l−1,i}‖² + 1)·‖δ_{l,i}‖²,
 * bias included); the clip factors c_i follow from those norms, and each
 * layer adds Σ_i c_i g_{l,i} = Aᵀ(c ⊙ Δ) to its parameters' `grad`.
 *
 * - **flat**: ‖g_i‖² = Σ_l ‖g_{l,i}‖², c_i = min(1, C/‖g_i‖).
 * - **perLayer**: each layer has its own bound C_l = C/√L (L trainable layers),
 *   c_{l,i} = min(1, C_l/‖g_{l,i}‖); the whole contribution then has norm
 *   ≤ √(Σ_l C_l²) = C, so the sensitivity is C in both modes.
 *
 * The sensitivity argument, the float margin and the handling of non-finite
 * norms are in `ghost-clipping.proof.md` beside this file.
 * @module
 */
import { DpError } from '../core/index.js';
import { describeValue } from './_internal/describe.js';
import { checkCount } from './_internal/validate.js';
import { Sequential } from './sequential.js';

/** How per-example gradients are bounded. */
export type ClippingMode = 'flat' | 'perLayer';

/** What clipping one batch produced (all private; for the trace hook only). */
export interface ClippedBatch {
  /** ‖g_i‖ before clipping (Infinity for a non-finite gradient). */
  readonly gradientNorms: Float64Array;
  /** The norm of example i's clipped contribution, ≤ maxGradNorm. */
  readonly contributionNorms: Float64Array;
}

/**
 * Relative margin on computed norms: a norm computed in floating point may be
 * slightly below the true one; dividing by norm·(1 + 2⁻⁴⁰) keeps the clipped
 * norm ≤ C for relative errors below 2⁻⁴⁰ (a sum of n squares in binary64 errs
 * by at most about n·2⁻⁵³ relative, so this holds for n < 2¹³ terms per layer
 * row norm and is a mitigation beyond that; see the proof file).
 */
const NORM_MARGIN = 1 + 2 ** -40;

/** Smallest clip factor kept; smaller ones (norm/bound > 2⁹⁰⁰) drop the example. */
const MIN_FACTOR = 2 ** -900;

/**
 * The clip factor for a (true) norm bound: 1 when the norm is within the
 * bound, bound/(norm·margin) above it, and 0 for a non-finite or NaN norm
 * or a factor below 2⁻⁹⁰⁰ (that example is dropped: contribution 0).
 * @param norm - the computed norm.
 * @param bound - the clip bound C > 0.
 * @returns the factor in [0, 1].
 * @throws DpError INVALID_PARAMETER when bound is not a finite number > 0.
 * @privacy a factor that bounds one example's contribution by `bound`.
 * @example
 * clipFactor(5, 1); // just under 0.2
 */
export function clipFactor(norm: number, bound: number): number {
  if (!(Number.isFinite(bound) && bound > 0)) {
    throw new DpError('INVALID_PARAMETER', `bound must be a finite number > 0, got ${describeValue(bound)}`, { parameter: 'bound' });
  }
  if (!Number.isFinite(norm)) return 0;
  const padded = norm * NORM_MARGIN;
  if (!(padded > bound)) return 1;
  const factor = bound / padded;
  // Below 2⁻⁹⁰⁰ the quotient may be subnormal and lose the relative precision the
  // margin relies on (found by the property test: norm 3.6e13, bound 1e-300);
  // dropping such an example (factor 0, contribution 0) is always within the bound.
  return factor >= MIN_FACTOR ? factor : 0;
}

/** Largest batch perLayerSquaredNorms allocates for (2³⁰ examples: far past any batch that fits in memory). */
const MAX_BATCH = 2 ** 30;

/**
 * Per-layer per-example squared gradient norms, from the ghost algebra.
 * @param model - the model, after `forwardBackward` on a batch of `batchSize` rows.
 * @param batchSize - that batch's size.
 * @returns one array of `batchSize` squared norms per trainable layer.
 * @privacy private values: per-example norms.
 * @example
 * model.forwardBackward(batch);
 * const [first] = perLayerSquaredNorms(model, batch.size);
 */
export function perLayerSquaredNorms(model: Sequential, batchSize: number): Float64Array[] {
  if (!(model instanceof Sequential)) throw new DpError('INVALID_PARAMETER', 'model must be a Sequential', { parameter: 'model' });
  checkCount(batchSize, 'batchSize', MAX_BATCH);
  return model.trainable.map((layer) => {
    const out = new Float64Array(batchSize);
    layer.perExampleSquaredNorms(out);
    return out;
  });
}

/**
 * Clips the per-example gradients of the last `forwardBackward` pass and
 * ADDS their sum to the parameters' `grad` arrays (the caller zeroes them at
 * the start of a logical batch, so physical batches accumulate).
 * @param model - the model, after `forwardBackward` on `batchSize` rows.
 * @param batchSize - the rows of that pass (0 is legal: nothing is added).
 * @param maxGradNorm - the bound C, a finite number > 0.
 * @param clipping - 'flat' or 'perLayer'.
 * @param keep - optional: keep[i] = 0 drops example i (factor 0, contribution 0), e.g. an out-of-range label.
 * @returns the per-example norms before and after clipping (private; for the trace).
 * @throws DpError INVALID_PARAMETER when maxGradNorm is not a finite number > 0.
 * @privacy each example adds a vector of norm ≤ maxGradNorm: the sum has L2 sensitivity maxGradNorm under add/remove one example.
 * @see Goodfellow (2015); Li, Tramèr, Liang, Hashimoto, "Large Language Models Can Be Strong Differentially Private Learners", ICLR 2022 (ghost clipping); Opacus per-layer clipping.
 * @example
 * for (const p of model.parameters) p.grad.fill(0);
 * model.forwardBackward(batch);
 * accumulateClippedGradients(model, batch.size, 1.0, 'flat');
 */
export function accumulateClippedGradients(
  model: Sequential,
  batchSize: number,
  maxGradNorm: number,
  clipping: ClippingMode,
  keep?: Uint8Array,
): ClippedBatch {
  if (!(Number.isFinite(maxGradNorm) && maxGradNorm > 0)) {
    throw new DpError('INVALID_PARAMETER', `maxGradNorm must be a finite number > 0, got ${describeValue(maxGradNorm)}`, {
      parameter: 'maxGradNorm',
    });
  }
  if (clipping !== 'flat' && clipping !== 'perLayer') {
    throw new DpError('INVALID_PARAMETER', "clipping must be 'flat' or 'perLayer'", { parameter: 'clipping' });
  }
  const gradientNorms = new Float64Array(batchSize);
  const contributionNorms = new Float64Array(batchSize);
  if (keep !== undefined && keep.length !== batchSize) {
    throw new DpError('INVALID_PARAMETER', 'keep must have one entry per example', { parameter: 'keep' });
  }
  if (batchSize === 0) return { gradientNorms, contributionNorms };
  const layerNorms = perLayerSquaredNorms(model, batchSize);
  for (const sq of layerNorms) for (let i = 0; i < batchSize; i++) gradientNorms[i] = (gradientNorms[i] as number) + (sq[i] as number);
  for (let i = 0; i < batchSize; i++)
    gradientNorms[i] = keep && keep[i] === 0 ? Number.POSITIVE_INFINITY : Math.sqrt(gradientNorms[i] as number);
  if (clipping === 'flat') {
    const factors = new Float64Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      const norm = gradientNorms[i] as number;
      factors[i] = clipFactor(norm, maxGradNorm);
      contributionNorms[i] = factors[i] === 0 ? 0 : (factors[i] as number) * norm;
    }
    for (const layer of model.trainable) layer.accumulateScaledGradients(factors);
    return { gradientNorms, contributionNorms };
  }
  const layerBound = maxGradNorm / Math.sqrt(model.trainable.length);
  model.trainable.forEach((layer, l) => {
    const sq = layerNorms[l] as Float64Array;
    const factors = new Float64Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      const norm = keep && keep[i] === 0 ? Number.POSITIVE_INFINITY : Math.sqrt(sq[i] as number);
      factors[i] = clipFactor(norm, layerBound);
      if (factors[i] !== 0) contributionNorms[i] = (contributionNorms[i] as number) + ((factors[i] as number) * norm) ** 2;
    }
    layer.accumulateScaledGradients(factors);
  });
  for (let i = 0; i < batchSize; i++) contributionNorms[i] = Math.sqrt(contributionNorms[i] as number);
  return { gradientNorms, contributionNorms };
}
