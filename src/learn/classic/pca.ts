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
import { ExactTotals, LINEAR_GRID, ONE, PRODUCT_GRID, productUnits, quantizeRows } from './_internal/exact-sums.js';
import { checkInteger } from './_internal/features.js';
import { modelMeasurement, type TrainingSet } from './_internal/fit-flow.js';
import { symmetricEigen } from './_internal/linalg.js';
import { composePure, type LaplaceStatistic, laplaceStatistic, splitEpsilon } from './_internal/noise.js';
import { snapshotOptions } from './_internal/options-snapshot.js';
import { BoundedModel, type BoundedModelOptions } from './bounded-model.js';
import type { FitOptions, FitReport } from './fit-budget.js';
import type { Matrix, ModelInput } from './model-input.js';

/** Options of {@link PCA}: all public. */
export interface PCAOptions extends BoundedModelOptions {
  /** Number of components k (1 … the number of features). */
  readonly components: number;
}

/** The released mean (u-space) and components (d×k, column j the j-th component), with their noisy eigenvalues. */
export interface PCAParams {
  readonly mean: Float64Array;
  readonly components: Float64Array;
  readonly explainedVariance: Float64Array;
}

/** DP principal component analysis (diffprivlib's `PCA`). */
export class PCA extends BoundedModel<PCAParams> {
  /** k. */
  readonly components: number;
  /** The fit as a core Measurement with its privacy map. */
  readonly measurement: Measurement<TrainingSet, PCAParams, 'pure'>;

  /**
   * @param options - the public parameters.
   * @throws DpError INVALID_PARAMETER on bad options (checked in order: epsilon, bounds, maxRowL1, components).
   * @privacy reads no data.
   * @example
   * new PCA({ epsilon: 1, components: 2, bounds: { lower: [0, 0, 0], upper: [1, 1, 1] } });
   */
  constructor(options: PCAOptions) {
    const o = snapshotOptions(options, ['epsilon', 'bounds', 'maxRowL1', 'features', 'components']); // read once (options-snapshot.ts)
    super(o);
    const d = this.width;
    this.components = checkInteger(o.components, 'components', 1, d);
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
    const d = this.width;
    // Exact units (BoundedModel.unitGrid; exact-sums.ts).
    const q = this.unitGrid(t);
    const s = new ExactTotals(d, ONE);
    for (let r = 0; r < t.rows; r++) {
      for (let f = 0; f < d; f++) if (q[r * d + f] !== 0) s.add(f, q[r * d + f] as number);
      s.endRow();
    }
    const n = Math.max(1, count.release([t.rows], rng)[0] as number);
    const ns = sums.release(s.values(LINEAR_GRID), rng);
    const mean = Float64Array.from(ns, (v) => Math.min(1, Math.max(-1, v / n)));
    // w = u − μ̂ (|w_f| ≤ 2; μ̂ is released): exact units again, ‖w‖₁ clipped to 2L in integers.
    const w = new Float64Array(t.rows * d);
    for (let r = 0; r < t.rows; r++)
      for (let f = 0; f < d; f++) w[r * d + f] = (q[r * d + f] as number) * LINEAR_GRID - (mean[f] as number);
    const qw = quantizeRows(w, t.rows, d, 2 * this.maxRowL1);
    const totals = new ExactTotals((d * (d + 1)) / 2, productUnits(2 * ONE, 2 * ONE));
    for (let r = 0; r < t.rows; r++) {
      let k = 0;
      for (let i = 0; i < d; i++) {
        const wi = qw[r * d + i] as number;
        if (wi === 0) {
          k += d - i;
          continue;
        }
        for (let j = i; j < d; j++, k++) if (qw[r * d + j] !== 0) totals.add(k, productUnits(wi, qw[r * d + j] as number));
      }
      totals.endRow();
    }
    const a = totals.values(PRODUCT_GRID);
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
    const d = this.width;
    const c = this.components;
    const m = this.readRows(x);
    const u = this.unitRows(m.values, m.rows);
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
    const d = this.width;
    const c = this.components;
    const m = this.readRows(x);
    const u = this.unitRows(m.values, m.rows);
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
