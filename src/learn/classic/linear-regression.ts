/**
 * Linear (ridge) regression by sufficient-statistics perturbation: release
 * A = Σ z zᵀ and b = Σ z v with the secure vector Laplace mechanism, where
 * z = [u, 1] (u = clamp(x)/m ∈ [−1, 1], rows clipped to ‖u‖₁ ≤ L) and
 * v = clamp(y)/m_y ∈ [−1, 1]; then solve (Â₊ + λI) θ = b̂, Â₊ being Â with
 * its eigenvalues raised to ≥ 0 (post-processing).
 *
 * Sensitivity (one row added or removed, L1 over the upper triangle):
 * Σ_{i≤j} |z_i z_j| = (‖z‖₁² + ‖z‖₂²)/2 ≤ ((L+1)² + (L+1))/2, since
 * ‖z‖₂² ≤ ‖z‖₁·‖z‖∞ ≤ L + 1; and ‖z v‖₁ ≤ L + 1. diffprivlib's
 * LinearRegression (a functional mechanism) pays per feature instead.
 * @see Sheffet, "Differentially private ordinary least squares", ICML 2017;
 *   Wang, "Revisiting differentially private linear regression", NeurIPS 2018.
 * @module
 */
import type { Measurement, PureLoss } from '../../core/index.js';
import { edgeRead } from '../../numeric/edge.js';
import type { RandomSource } from '../../random/index.js';
import { ExactTotals, ONE, PRODUCT_GRID, productUnits } from './_internal/exact-sums.js';
import { checkBounds, checkPositive, clipRowsL1 } from './_internal/features.js';
import { modelMeasurement, type TrainingSet } from './_internal/fit-flow.js';
import { raiseEigenvalues, solveSpd } from './_internal/linalg.js';
import { composePure, type LaplaceStatistic, laplaceStatistic, splitEpsilon } from './_internal/noise.js';
import { snapshotOptions } from './_internal/options-snapshot.js';
import { BoundedModel, type BoundedModelOptions } from './bounded-model.js';
import type { FitOptions, FitReport } from './fit-budget.js';
import { type LabelInput, type ModelInput, readLabels } from './model-input.js';
import { rSquared } from './scoring.js';

/** Options of {@link LinearRegression}: all public. */
export interface LinearRegressionOptions extends BoundedModelOptions {
  /** Bounds of the target (declared). */
  readonly labelBounds: { readonly lower: number; readonly upper: number };
  /** λ added to the released Gram matrix (default: from the noise scale). */
  readonly regularization?: number;
}

/** The released coefficients: θ on z = [u, 1], predictions m_y · z·θ. */
export interface LinearRegressionParams {
  readonly theta: Float64Array;
}

/** DP linear regression (diffprivlib's `LinearRegression`, by sufficient statistics). */
export class LinearRegression extends BoundedModel<LinearRegressionParams> {
  /** The declared target bounds. */
  readonly labelBounds: { readonly lower: number; readonly upper: number };
  /** λ. */
  readonly regularization: number;
  /** The fit as a core Measurement with its privacy map. */
  readonly measurement: Measurement<TrainingSet, LinearRegressionParams, 'pure'>;
  readonly #labelScale: number;

  /**
   * @param options - the public parameters.
   * @throws DpError INVALID_PARAMETER on bad options (checked in order: epsilon, bounds, maxRowL1, labelBounds, regularization).
   * @privacy reads no data.
   * @example
   * new LinearRegression({ epsilon: 1, bounds: { lower: [0], upper: [1] }, labelBounds: { lower: 0, upper: 1 } });
   */
  constructor(options: LinearRegressionOptions) {
    const o = snapshotOptions(options, ['epsilon', 'bounds', 'maxRowL1', 'features', 'labelBounds', 'regularization']); // read once (options-snapshot.ts)
    super(o);
    const labelBounds = o.labelBounds as { lower?: unknown; upper?: unknown } | undefined;
    const lb = edgeRead('labelBounds', () => {
      const lower = labelBounds?.lower;
      const upper = labelBounds?.upper;
      return checkBounds({ lower: [lower], upper: [upper] } as never, 'labelBounds');
    });
    this.labelBounds = { lower: lb.lower[0] as number, upper: lb.upper[0] as number };
    const d = this.width;
    this.#labelScale = Math.max(Math.abs(this.labelBounds.lower), Math.abs(this.labelBounds.upper)) || 1;
    const p = d + 1;
    const l1 = this.maxRowL1 + 1;
    const [eA, eB] = splitEpsilon(this.epsilon, [0.6, 0.4]) as [number, number];
    const gram = laplaceStatistic(eA, (l1 * l1 + l1) / 2, (p * (p + 1)) / 2);
    const cross = laplaceStatistic(eB, l1, p);
    this.regularization = o.regularization === undefined ? gram.scale * Math.sqrt(p) : checkPositive(o.regularization, 'regularization');
    this.measurement = modelMeasurement(
      'linear-regression',
      (t, rng) => this.release(t, gram, cross, rng),
      (dIn): PureLoss => composePure([gram.loss(dIn), cross.loss(dIn)]),
    );
  }

  private release(t: TrainingSet, gram: LaplaceStatistic, cross: LaplaceStatistic, rng: RandomSource): LinearRegressionParams {
    const d = this.width;
    const p = d + 1;
    // Exact units (BoundedModel.unitGrid; exact-sums.ts): z = [q, 2^20], v on the same grid, products trunc(·/2^16).
    const q = this.unitGrid(t);
    const gramTotals = new ExactTotals((p * (p + 1)) / 2, productUnits(ONE, ONE));
    const crossTotals = new ExactTotals(p, productUnits(ONE, ONE));
    const z = new Float64Array(p);
    for (let r = 0; r < t.rows; r++) {
      for (let f = 0; f < d; f++) z[f] = q[r * d + f] as number;
      z[d] = ONE;
      const raw = t.y?.[r] as number;
      const clamped = Number.isFinite(raw) ? Math.min(this.labelBounds.upper, Math.max(this.labelBounds.lower, raw)) : 0;
      const v = Math.trunc((clamped / this.#labelScale) * ONE) + 0;
      let k = 0;
      for (let i = 0; i < p; i++) {
        const zi = z[i] as number;
        if (zi === 0) {
          k += p - i;
          continue;
        }
        if (v !== 0) crossTotals.add(i, productUnits(zi, v));
        for (let j = i; j < p; j++, k++) if (z[j] !== 0) gramTotals.add(k, productUnits(zi, z[j] as number));
      }
      gramTotals.endRow();
      crossTotals.endRow();
    }
    const a = gramTotals.values(PRODUCT_GRID);
    const b = crossTotals.values(PRODUCT_GRID);
    const na = gram.release(a, rng);
    const nb = cross.release(b, rng);
    const full = new Float64Array(p * p);
    let k = 0;
    for (let i = 0; i < p; i++)
      for (let j = i; j < p; j++, k++) {
        full[i * p + j] = na[k] as number;
        full[j * p + i] = na[k] as number;
      }
    const psd = raiseEigenvalues(full, p, 0);
    for (let i = 0; i < p; i++) psd[i * p + i] = (psd[i * p + i] as number) + this.regularization;
    return { theta: solveSpd(psd, Float64Array.from(nb), p) };
  }

  /**
   * Fits, charging exactly `measurement.privacyMap(1)` before any value is used.
   * @param x - features.
   * @param y - targets (clamped to labelBounds; a malformed one reads as 0) or a column name.
   * @param options - budget and randomness.
   * @returns the report (guarantee = charge).
   * @throws DpError INVALID_PARAMETER (public shapes), BUDGET_EXHAUSTED, DOMAIN_MISMATCH: before the charge.
   * @privacy pure ε = measurement.privacyMap(1) ≤ epsilon, add/remove one row.
   */
  async fit(x: ModelInput, y: LabelInput, options: FitOptions): Promise<FitReport> {
    return this.fitSupervised(this.measurement, x, y, options);
  }

  /** Predictions. @param x - features. @returns one value per row. @throws DpError INVALID_PARAMETER before fit. @privacy post-processing. */
  predict(x: ModelInput): Float64Array {
    const theta = this.params.theta;
    const d = this.width;
    const m = this.readRows(x);
    const u = this.unitRows(m.values, m.rows);
    clipRowsL1(u, m.rows, d, this.maxRowL1);
    const out = new Float64Array(m.rows);
    for (let r = 0; r < m.rows; r++) {
      let s = theta[d] as number;
      for (let f = 0; f < d; f++) s += (theta[f] as number) * (u[r * d + f] as number);
      out[r] = s * this.#labelScale;
    }
    return out;
  }

  /** R² on (x, y). @param x - features. @param y - targets. @returns R². @privacy not a release. */
  score(x: ModelInput, y: LabelInput): number {
    const predicted = this.predict(x);
    return rSquared(predicted, readLabels(x, y, predicted.length));
  }
}
