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
import { SQUARED_NORM_FLOOR } from './_internal/norm-floor.js';
import { checkCount } from './_internal/validate.js';
import type { TrainableLayer } from './layer.js';
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
 * The clip margin (review-learn L2; the argument is in ghost-clipping.proof.md, "The float margin").
 * A layer reports ŝ_i for ‖g_{l,i}‖² and declares k_l = `squaredNormRoundings`, a public count from
 * its shape such that the exact squared norm of the vector it sums for example i is
 * ≤ (ŝ_i + k_l·2⁻¹⁰⁷⁵)·(1 − u)^(−k_l), u = 2⁻⁵³. Any summation order of n squares passes each term
 * through ≤ n roundings (one product, ≤ n − 1 additions), so one count serves the four-lane wasm
 * kernels, the sequential TypeScript ones and the binary32 conv route (exact squares) alike.
 * Clipping divides by norm·normMargin(k), k the whole chain's count (flat: L + max_l k_l + 1);
 * normMargin(k) = 1 + (k + 16)·2⁻⁵² ≥ (1 − u)^(−(k + 16)), the 16 covering the square root, the
 * margin's product, the division, the perLayer bound C/√L, the ≤ 2 roundings of each scaled
 * coordinate and the absolute (underflow) errors, which MIN_CLIP_BOUND keeps below 2⁻⁵²·C.
 */
const UNIT_ROUNDOFF = 2 ** -53;

/** The most roundings one margin covers (k·u ≤ 2⁻¹³: 1 + (k + 16)·2⁻⁵² ≥ (1 − u)^(−(k + 16)) holds with room). */
export const MAX_NORM_ROUNDINGS = 2 ** 40;

/**
 * The smallest clip bound C the proof covers: the scaled sum's underflow errors are ≤ 2⁻⁵⁵⁰ in norm
 * (|a_j| < 2⁵¹² wherever ‖a‖² is finite; ≤ 2²⁵ coordinates), below the margin's slack 2⁻⁵²·C.
 */
export const MIN_CLIP_BOUND = 2 ** -400;

/**
 * Refuses a clip bound C that is not a finite number ≥ MIN_CLIP_BOUND (2⁻⁴⁰⁰).
 * @param maxGradNorm - C.
 * @throws DpError INVALID_PARAMETER naming maxGradNorm.
 * @example
 * checkClipBound(1);
 */
export function checkClipBound(maxGradNorm: unknown): void {
  if (!(typeof maxGradNorm === 'number' && Number.isFinite(maxGradNorm) && maxGradNorm >= MIN_CLIP_BOUND)) {
    throw new DpError('INVALID_PARAMETER', `maxGradNorm must be a finite number ≥ 2^-400, got ${describeValue(maxGradNorm)}`, {
      parameter: 'maxGradNorm',
    });
  }
}

/**
 * The relative clip margin for a norm whose square passed through at most `roundings` roundings.
 * @param roundings - a public count, an integer in [0, MAX_NORM_ROUNDINGS].
 * @returns 1 + (roundings + 16)·2⁻⁵² (exact in binary64).
 * @throws DpError INVALID_PARAMETER when roundings is not an integer in that range.
 * @privacy depends on public shapes only.
 * @see ghost-clipping.proof.md, "The float margin".
 * @example
 * normMargin(784 + 512 + 4); // the first dense layer of the MLP: 1 + 1316·2⁻⁵²
 */
export function normMargin(roundings: number): number {
  if (!(Number.isSafeInteger(roundings) && roundings >= 0 && roundings <= MAX_NORM_ROUNDINGS)) {
    throw new DpError('INVALID_PARAMETER', `roundings must be an integer in [0, 2^40], got ${describeValue(roundings)}`, {
      parameter: 'roundings',
    });
  }
  return 1 + (roundings + 16) * 2 * UNIT_ROUNDOFF;
}

/** Smallest clip factor kept; smaller ones (norm/bound > 2⁹⁰⁰) drop the example. */
const MIN_FACTOR = 2 ** -900;

/**
 * The clip factor for a norm bound: 1 when the padded norm is within the bound, bound/(norm·margin)
 * above it, and 0 for a non-finite or NaN norm or a factor below 2⁻⁹⁰⁰ (that example is dropped:
 * contribution 0). The margin is {@link normMargin}(roundings).
 * @param norm - the computed norm.
 * @param bound - the clip bound C > 0.
 * @param roundings - the public rounding count of the squared norm (default 0; see {@link normMargin}).
 * @returns the factor in [0, 1].
 * @throws DpError INVALID_PARAMETER when bound is not a finite number > 0 or roundings is out of range.
 * @privacy a factor that bounds one example's contribution by `bound`, for a norm computed within `roundings` roundings.
 * @example
 * clipFactor(5, 1); // just under 0.2
 */
export function clipFactor(norm: number, bound: number, roundings = 0): number {
  if (!(Number.isFinite(bound) && bound > 0)) {
    throw new DpError('INVALID_PARAMETER', `bound must be a finite number > 0, got ${describeValue(bound)}`, { parameter: 'bound' });
  }
  const margin = normMargin(roundings);
  if (!Number.isFinite(norm)) return 0;
  const padded = norm * margin;
  if (!(padded > bound)) return 1;
  const factor = bound / padded;
  // Below 2⁻⁹⁰⁰ the quotient may be subnormal and lose the relative precision the
  // margin relies on (found by the property test: norm 3.6e13, bound 1e-300);
  // dropping such an example (factor 0, contribution 0) is always within the bound.
  return factor >= MIN_FACTOR ? factor : 0;
}

/** A squared norm raised to the floor before its square root (absorbs underflow; _internal/norm-floor.ts). NaN stays NaN. */
function floored(squared: number): number {
  return Math.max(squared, SQUARED_NORM_FLOOR);
}

/** A trainable layer's public rounding count (Sequential validated it at construction; re-read once here). */
function layerRoundings(layer: TrainableLayer): number {
  const k = layer.squaredNormRoundings;
  if (!(Number.isSafeInteger(k) && k >= 0 && k <= 2 ** 36)) {
    throw new DpError('INVALID_PARAMETER', `layer ${String(layer.kind)} declares no valid squaredNormRoundings`, { parameter: 'model' });
  }
  return k;
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
 * @param maxGradNorm - the bound C, a finite number ≥ 2⁻⁴⁰⁰ (MIN_CLIP_BOUND: below it underflow could exceed the margin).
 * @param clipping - 'flat' or 'perLayer'.
 * @param keep - optional: keep[i] = 0 drops example i (factor 0, contribution 0), e.g. an out-of-range label.
 * @returns the per-example norms before and after clipping (private; for the trace).
 * @throws DpError INVALID_PARAMETER when maxGradNorm is not a finite number ≥ 2⁻⁴⁰⁰, or a layer's squaredNormRoundings is invalid.
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
  checkClipBound(maxGradNorm);
  if (clipping !== 'flat' && clipping !== 'perLayer') {
    throw new DpError('INVALID_PARAMETER', "clipping must be 'flat' or 'perLayer'", { parameter: 'clipping' });
  }
  const gradientNorms = new Float64Array(batchSize);
  const contributionNorms = new Float64Array(batchSize);
  if (keep !== undefined && keep.length !== batchSize) {
    throw new DpError('INVALID_PARAMETER', 'keep must have one entry per example', { parameter: 'keep' });
  }
  if (batchSize === 0) return { gradientNorms, contributionNorms };
  const roundings = model.trainable.map(layerRoundings); // public counts, read once
  const layerNorms = perLayerSquaredNorms(model, batchSize);
  for (const sq of layerNorms) for (let i = 0; i < batchSize; i++) gradientNorms[i] = (gradientNorms[i] as number) + (sq[i] as number);
  if (clipping === 'flat') {
    // The flat sum adds L layer terms (≤ L roundings each) to layer sums of ≤ max k_l roundings; + 1 for the floor.
    const flatRoundings = model.trainable.length + Math.max(0, ...roundings) + 1; // ≤ 2⁴⁰: k_l ≤ 2³⁶, L < 2³²
    const factors = new Float64Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      const dropped = keep !== undefined && keep[i] === 0;
      const squared = gradientNorms[i] as number;
      gradientNorms[i] = dropped ? Number.POSITIVE_INFINITY : Math.sqrt(squared);
      factors[i] = dropped ? 0 : clipFactor(Math.sqrt(floored(squared)), maxGradNorm, flatRoundings);
      contributionNorms[i] = factors[i] === 0 ? 0 : (factors[i] as number) * (gradientNorms[i] as number);
    }
    for (const layer of model.trainable) layer.accumulateScaledGradients(factors);
    return { gradientNorms, contributionNorms };
  }
  for (let i = 0; i < batchSize; i++)
    gradientNorms[i] = keep && keep[i] === 0 ? Number.POSITIVE_INFINITY : Math.sqrt(gradientNorms[i] as number);
  const layerBound = maxGradNorm / Math.sqrt(model.trainable.length);
  model.trainable.forEach((layer, l) => {
    const sq = layerNorms[l] as Float64Array;
    const k = (roundings[l] as number) + 1; // + 1 for the floor
    const factors = new Float64Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      const dropped = keep !== undefined && keep[i] === 0;
      factors[i] = dropped ? 0 : clipFactor(Math.sqrt(floored(sq[i] as number)), layerBound, k);
      if (factors[i] !== 0)
        contributionNorms[i] = (contributionNorms[i] as number) + ((factors[i] as number) * Math.sqrt(sq[i] as number)) ** 2;
    }
    layer.accumulateScaledGradients(factors);
  });
  for (let i = 0; i < batchSize; i++) contributionNorms[i] = Math.sqrt(contributionNorms[i] as number);
  return { gradientNorms, contributionNorms };
}
