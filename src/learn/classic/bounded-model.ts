/**
 * The intermediate base of the six classic models that read their features
 * through declared per-feature bounds (GaussianNB, KMeans, LinearRegression,
 * PCA, StandardScaler, RandomForest / DecisionTree): the public parameters
 * they share (ε, bounds, the row L1 bound, feature names), their checks, the
 * width, and the one way their fits turn rows into exact fixed-point unit
 * values (`_internal/exact-sums.ts`, SECURITY §3).
 *
 * Validation order (the error a multi-error input reports): `options`, then
 * `epsilon`, `bounds`, `maxRowL1`, then the model's own parameters in its
 * constructor's order. Until the base existed KMeans checked `clusters`
 * before `bounds`, and GaussianNB, LinearRegression, PCA and the forest
 * checked their own parameters before `maxRowL1`; the order is now the same
 * for all six (test/models/bounded-options.test.ts pins it).
 * @module
 */
import { quantizeRows } from './_internal/exact-sums.js';
import {
  checkBounds,
  checkPositive,
  checkRowL1,
  copyFeatures,
  type FeatureBounds,
  featureScales,
  scaleToUnit,
} from './_internal/features.js';
import type { TrainingSet } from './_internal/fit-flow.js';
import { snapshotOptions } from './_internal/options-snapshot.js';
import { FittedModel } from './fitted-model.js';

/** The public parameters every bounded model takes. */
export interface BoundedModelOptions {
  /** ε of the whole fit (pure DP), a finite number > 0. */
  readonly epsilon: number;
  /** Per-feature bounds, declared (never read from the data). */
  readonly bounds: FeatureBounds;
  /** Bound on ‖u‖₁ of a row, u = clamp(x)/max(|lower|, |upper|); rows are clipped to it. Default (and at most): the number of features. */
  readonly maxRowL1?: number;
  /** Feature column names (for records, Arrow tables and SQL results). */
  readonly features?: readonly string[];
}

/**
 * A classic model with declared per-feature bounds and a row L1 bound (see the module header).
 * @typeParam P - the released parameters.
 * @example
 * const scaler = new StandardScaler({ epsilon: 1, bounds: { lower: [0], upper: [100] } });
 * scaler.maxRowL1; // 1: the number of features
 */
export abstract class BoundedModel<P> extends FittedModel<P> {
  /** ε of the fit. */
  readonly epsilon: number;
  /** The declared per-feature bounds. */
  readonly bounds: FeatureBounds;
  /** The row L1 bound L in u-space (≤ the number of features). */
  readonly maxRowL1: number;
  /** Feature column names; undefined: columns by position. */
  readonly features: readonly string[] | undefined;
  /** m_f = max(|lower_f|, |upper_f|) (1 where both are 0): u = clamp(x)/m. */
  protected readonly scales: Float64Array;

  /**
   * @param options - the shared public parameters (checked in the documented order).
   * @throws DpError INVALID_PARAMETER on a bad `options`, `epsilon`, `bounds` or `maxRowL1`.
   * @privacy reads no data.
   */
  protected constructor(options: BoundedModelOptions) {
    super();
    // Each field read once (options-snapshot.ts); subclasses pass their own snapshot, so this copies a frozen copy.
    const o = snapshotOptions(options, ['epsilon', 'bounds', 'maxRowL1', 'features']);
    this.epsilon = checkPositive(o.epsilon, 'epsilon');
    this.bounds = checkBounds(o.bounds);
    this.maxRowL1 = checkRowL1(o.maxRowL1, this.bounds.lower.length);
    this.features = copyFeatures(o.features);
    this.scales = featureScales(this.bounds);
  }

  /** The number of feature columns (the length of the bounds). */
  protected get width(): number {
    return this.bounds.lower.length;
  }

  /** Rows in u-space (clamped, divided by m_f), in floating point: for predictions (post-processing), never for a release. */
  protected unitRows(values: Float64Array | Float32Array, rows: number): Float64Array {
    return scaleToUnit(Float64Array.from(values), rows, this.bounds, this.scales);
  }

  /** A fit's rows as exact integers on the grid 2⁻²⁰ with ‖q‖₁ ≤ ⌊L·2²⁰⌋ (`_internal/exact-sums.ts`): what every released sum adds. */
  protected unitGrid(t: TrainingSet): Float64Array {
    return quantizeRows(scaleToUnit(t.x, t.rows, this.bounds, this.scales), t.rows, this.width, this.maxRowL1);
  }
}
