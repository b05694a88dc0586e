/**
 * StandardScaler with differential privacy: a noisy count and noisy
 * per-feature sums of u and u² (u = clamp(x)/m, rows clipped to ‖u‖₁ ≤ L),
 * giving each feature's mean and standard deviation. Sensitivities 1, L, L
 * (one row added or removed). diffprivlib's StandardScaler pays per feature.
 * @module
 */
import type { Measurement, PureLoss } from '../../core/index.js';
import { checkObject } from '../_internal/validate.js';
import {
  checkBounds,
  checkPositive,
  checkRowL1,
  clipRowsL1,
  type FeatureBounds,
  featureScales,
  scaleToUnit,
} from './_internal/features.js';
import { modelMeasurement, type TrainingSet } from './_internal/fit-flow.js';
import { composePure, laplaceStatistic, splitEpsilon } from './_internal/noise.js';
import type { FitOptions, FitReport } from './fit-budget.js';
import { FittedModel } from './fitted-model.js';
import type { Matrix, ModelInput } from './model-input.js';

/** Options of {@link StandardScaler}: all public. */
export interface StandardScalerOptions {
  /** ε of the fit (pure DP). */
  readonly epsilon: number;
  /** Per-feature bounds (declared). */
  readonly bounds: FeatureBounds;
  /** Bound on ‖u‖₁ of a row; default the number of features. */
  readonly maxRowL1?: number;
  /** Feature column names (records, Arrow, SQL). */
  readonly features?: readonly string[];
}

/** The released statistics, in the data's units. */
export interface StandardScalerParams {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/** DP standardisation (diffprivlib's `StandardScaler`). */
export class StandardScaler extends FittedModel<StandardScalerParams> {
  readonly epsilon: number;
  readonly bounds: FeatureBounds;
  readonly maxRowL1: number;
  readonly features: readonly string[] | undefined;
  /** The fit as a core Measurement with its privacy map. */
  readonly measurement: Measurement<TrainingSet, StandardScalerParams, 'pure'>;

  /**
   * @param options - the public parameters.
   * @throws DpError INVALID_PARAMETER on bad options.
   * @privacy reads no data.
   * @example
   * new StandardScaler({ epsilon: 1, bounds: { lower: [0], upper: [100] } });
   */
  constructor(options: StandardScalerOptions) {
    super();
    checkObject(options, 'options');
    this.epsilon = checkPositive(options.epsilon, 'epsilon');
    this.bounds = checkBounds(options.bounds);
    const d = this.bounds.lower.length;
    this.maxRowL1 = checkRowL1(options.maxRowL1, d);
    this.features = options.features;
    const scales = featureScales(this.bounds);
    const [eN, eS, eQ] = splitEpsilon(this.epsilon, [0.1, 0.45, 0.45]) as [number, number, number];
    const count = laplaceStatistic(eN, 1, 1);
    const sums = laplaceStatistic(eS, this.maxRowL1, d);
    const squares = laplaceStatistic(eQ, this.maxRowL1, d);
    this.measurement = modelMeasurement(
      'standard-scaler',
      (t, rng) => {
        const u = scaleToUnit(t.x, t.rows, this.bounds, scales);
        clipRowsL1(u, t.rows, d, this.maxRowL1);
        const s = new Array<number>(d).fill(0);
        const q = new Array<number>(d).fill(0);
        for (let r = 0; r < t.rows; r++)
          for (let f = 0; f < d; f++) {
            const v = u[r * d + f] as number;
            s[f] = (s[f] as number) + v;
            q[f] = (q[f] as number) + v * v;
          }
        const n = Math.max(1, count.release([t.rows], rng)[0] as number);
        const ns = sums.release(s, rng);
        const nq = squares.release(q, rng);
        const mean = new Float64Array(d);
        const scale = new Float64Array(d);
        for (let f = 0; f < d; f++) {
          const mu = Math.min(1, Math.max(-1, (ns[f] as number) / n));
          const second = Math.min(1, Math.max(0, (nq[f] as number) / n));
          mean[f] = mu * (scales[f] as number);
          // A floor of 1e-3 of the bound keeps the transform finite.
          scale[f] = Math.sqrt(Math.max(1e-6, second - mu * mu)) * (scales[f] as number);
        }
        return { mean, scale };
      },
      (dIn): PureLoss => composePure([count.loss(dIn), sums.loss(dIn), squares.loss(dIn)]),
    );
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

  /**
   * (x − mean) / scale, per feature.
   * @param x - features.
   * @returns the standardised matrix.
   * @throws DpError INVALID_PARAMETER before fit or on a wrong number of columns.
   * @privacy post-processing.
   */
  transform(x: ModelInput): Matrix {
    const { mean, scale } = this.params;
    const d = this.bounds.lower.length;
    const m = this.readRows(x);
    const values = new Float64Array(m.rows * d);
    for (let r = 0; r < m.rows; r++)
      for (let f = 0; f < d; f++) values[r * d + f] = ((m.values[r * d + f] as number) - (mean[f] as number)) / (scale[f] as number);
    return { values, rows: m.rows, columns: d };
  }
}
