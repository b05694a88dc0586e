/**
 * PCA with differential privacy: a DP mean (noisy count and sums of u), then
 * a noisy covariance of the centred rows w = u − μ̂ (rows clipped to
 * ‖w‖₁ ≤ 2L; μ̂ is already released, so centring is a per-row stable map)
 * released by the secure vector Laplace mechanism over the upper triangle,
 * whose L1 sensitivity is Σ_{i≤j}|w_i w_j| = (‖w‖₁² + ‖w‖₂²)/2 ≤
 * ((2L)² + 2·2L)/2 (|w_f| ≤ 2); the components are the top eigenvectors of
 * the released matrix (post-processing). Everything is in u-space
 * (u = clamp(x)/m, see features.ts).
 * @see Dwork, Talwar, Thakurta, Zhang, "Analyze Gauss", STOC 2014 (the covariance-perturbation route);
 *   diffprivlib's PCA (which perturbs per feature).
 * @module
 */
import type { Measurement, PureLoss } from '../../core/index.js';
import type { RandomSource } from '../../random/index.js';
import { checkObject } from '../_internal/validate.js';
import {
  checkBounds,
  checkInteger,
  checkPositive,
  checkRowL1,
  clipRowsL1,
  type FeatureBounds,
  featureScales,
  scaleToUnit,
} from './_internal/features.js';
import { modelMeasurement, type TrainingSet } from './_internal/fit-flow.js';
import { symmetricEigen } from './_internal/linalg.js';
import { composePure, type LaplaceStatistic, laplaceStatistic, splitEpsilon } from './_internal/noise.js';
import type { FitOptions, FitReport } from './fit-budget.js';
import { FittedModel } from './fitted-model.js';
import type { Matrix, ModelInput } from './model-input.js';

/** Options of {@link PCA}: all public. */
export interface PCAOptions {
  /** ε of the fit (pure DP). */
  readonly epsilon: number;
  /** Number of components k. */
  readonly components: number;
  /** Per-feature bounds (declared). */
  readonly bounds: FeatureBounds;
  /** Bound on ‖u‖₁ of a row; default the number of features. */
  readonly maxRowL1?: number;
  /** Feature column names (records, Arrow, SQL). */
  readonly features?: readonly string[];
}

/** The released mean (u-space) and components (d×k, column j the j-th component), with their noisy eigenvalues. */
export interface PCAParams {
  readonly mean: Float64Array;
  readonly components: Float64Array;
  readonly explainedVariance: Float64Array;
}

/** DP principal component analysis (diffprivlib's `PCA`). */
export class PCA extends FittedModel<PCAParams> {
  readonly epsilon: number;
  readonly components: number;
  readonly bounds: FeatureBounds;
  readonly maxRowL1: number;
  readonly features: readonly string[] | undefined;
  /** The fit as a core Measurement with its privacy map. */
  readonly measurement: Measurement<TrainingSet, PCAParams, 'pure'>;
  readonly #scales: Float64Array;

  /**
   * @param options - the public parameters.
   * @throws DpError INVALID_PARAMETER on bad options.
   * @privacy reads no data.
   * @example
   * new PCA({ epsilon: 1, components: 2, bounds: { lower: [0, 0, 0], upper: [1, 1, 1] } });
   */
  constructor(options: PCAOptions) {
    super();
    checkObject(options, 'options');
    this.epsilon = checkPositive(options.epsilon, 'epsilon');
    this.bounds = checkBounds(options.bounds);
    const d = this.bounds.lower.length;
    this.components = checkInteger(options.components, 'components', 1, d);
    this.maxRowL1 = checkRowL1(options.maxRowL1, d);
    this.features = options.features;
    this.#scales = featureScales(this.bounds);
    const [eN, eS, eC] = splitEpsilon(this.epsilon, [0.05, 0.15, 0.8]) as [number, number, number];
    const lc = 2 * this.maxRowL1;
    const count = laplaceStatistic(eN, 1, 1);
    const sums = laplaceStatistic(eS, this.maxRowL1, d);
    const cov = laplaceStatistic(eC, (lc * lc + 2 * lc) / 2, (d * (d + 1)) / 2);
    this.measurement = modelMeasurement(
      'pca',
      (t, rng) => this.release(t, count, sums, cov, rng),
      (dIn): PureLoss => composePure([count.loss(dIn), sums.loss(dIn), cov.loss(dIn)]),
    );
  }

  private release(t: TrainingSet, count: LaplaceStatistic, sums: LaplaceStatistic, cov: LaplaceStatistic, rng: RandomSource): PCAParams {
    const d = this.bounds.lower.length;
    const u = scaleToUnit(t.x, t.rows, this.bounds, this.#scales);
    clipRowsL1(u, t.rows, d, this.maxRowL1);
    const s = new Array<number>(d).fill(0);
    for (let r = 0; r < t.rows; r++) for (let f = 0; f < d; f++) s[f] = (s[f] as number) + (u[r * d + f] as number);
    const n = Math.max(1, count.release([t.rows], rng)[0] as number);
    const ns = sums.release(s, rng);
    const mean = Float64Array.from(ns, (v) => Math.min(1, Math.max(-1, v / n)));
    for (let r = 0; r < t.rows; r++) for (let f = 0; f < d; f++) u[r * d + f] = (u[r * d + f] as number) - (mean[f] as number);
    clipRowsL1(u, t.rows, d, 2 * this.maxRowL1);
    const a = new Array<number>((d * (d + 1)) / 2).fill(0);
    for (let r = 0; r < t.rows; r++) {
      let k = 0;
      for (let i = 0; i < d; i++) {
        const wi = u[r * d + i] as number;
        for (let j = i; j < d; j++, k++) a[k] = (a[k] as number) + wi * (u[r * d + j] as number);
      }
    }
    const na = cov.release(a, rng);
    const full = new Float64Array(d * d);
    let k = 0;
    for (let i = 0; i < d; i++)
      for (let j = i; j < d; j++, k++) {
        full[i * d + j] = (na[k] as number) / n;
        full[j * d + i] = (na[k] as number) / n;
      }
    const { values, vectors } = symmetricEigen(full, d);
    const c = this.components;
    const components = new Float64Array(d * c);
    for (let i = 0; i < d; i++) for (let j = 0; j < c; j++) components[i * c + j] = vectors[i * d + j] as number;
    return { mean, components, explainedVariance: values.slice(0, c) };
  }

  /** The number of feature columns. */
  protected get width(): number {
    return this.bounds.lower.length;
  }

  /**
   * Fits, charging exactly `measurement.privacyMap(1)` before any value is used.
   * @param x - features.
   * @param options - budget and randomness.
   * @returns the report (guarantee = charge).
   * @throws DpError INVALID_PARAMETER (public shapes), BUDGET_EXHAUSTED, DOMAIN_MISMATCH: before the charge.
   * @privacy pure ε = measurement.privacyMap(1) ≤ epsilon, add/remove one row.
   */
  async fit(x: ModelInput, options: FitOptions): Promise<FitReport> {
    return this.fitUnsupervised(this.measurement, x, options);
  }

  /** Projects rows onto the components: (u − μ̂)·V. @param x - features. @returns rows × k. @privacy post-processing. */
  transform(x: ModelInput): Matrix {
    const { mean, components } = this.params;
    const d = this.bounds.lower.length;
    const c = this.components;
    const m = this.readRows(x);
    const u = scaleToUnit(m.values as Float64Array, m.rows, this.bounds, this.#scales);
    const values = new Float64Array(m.rows * c);
    for (let r = 0; r < m.rows; r++)
      for (let j = 0; j < c; j++) {
        let s = 0;
        for (let f = 0; f < d; f++) s += ((u[r * d + f] as number) - (mean[f] as number)) * (components[f * c + j] as number);
        values[r * c + j] = s;
      }
    return { values, rows: m.rows, columns: c };
  }

  /**
   * The fraction of the variance of `x` (in u-space, about its own mean) that the components capture.
   * @param x - features.
   * @returns a number in [0, 1].
   * @privacy not a release: evaluates on the data given.
   */
  score(x: ModelInput): number {
    const { components } = this.params;
    const d = this.bounds.lower.length;
    const c = this.components;
    const m = this.readRows(x);
    const u = scaleToUnit(m.values as Float64Array, m.rows, this.bounds, this.#scales);
    const mu = new Float64Array(d);
    for (let r = 0; r < m.rows; r++) for (let f = 0; f < d; f++) mu[f] = (mu[f] as number) + (u[r * d + f] as number) / m.rows;
    let total = 0;
    let captured = 0;
    for (let r = 0; r < m.rows; r++) {
      for (let f = 0; f < d; f++) total += ((u[r * d + f] as number) - (mu[f] as number)) ** 2;
      for (let j = 0; j < c; j++) {
        let s = 0;
        for (let f = 0; f < d; f++) s += ((u[r * d + f] as number) - (mu[f] as number)) * (components[f * c + j] as number);
        captured += s * s;
      }
    }
    return total === 0 ? 0 : captured / total;
  }
}
