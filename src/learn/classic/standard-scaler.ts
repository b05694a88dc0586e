/**
 * StandardScaler with differential privacy: a noisy count and noisy
 * per-feature sums of u and u² (u = clamp(x)/m, rows clipped to ‖u‖₁ ≤ L),
 * giving each feature's mean and standard deviation. Sensitivities 1, L, L
 * (one row added or removed). diffprivlib's StandardScaler pays per feature.
 * @module
 */
import type { Measurement, PureLoss } from '../../core/index.js';
import { ExactTotals, LINEAR_GRID, ONE, PRODUCT_GRID, productUnits } from './_internal/exact-sums.js';
import { modelMeasurement, type TrainingSet } from './_internal/fit-flow.js';
import { composePure, laplaceStatistic, splitEpsilon } from './_internal/noise.js';
import { snapshotOptions } from './_internal/options-snapshot.js';
import { BoundedModel, type BoundedModelOptions } from './bounded-model.js';
import type { FitOptions, FitReport } from './fit-budget.js';
import type { Matrix, ModelInput } from './model-input.js';

/** Options of {@link StandardScaler}: all public. */
export type StandardScalerOptions = BoundedModelOptions;

/** The released statistics, in the data's units. */
export interface StandardScalerParams {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/** DP standardisation (diffprivlib's `StandardScaler`). */
export class StandardScaler extends BoundedModel<StandardScalerParams> {
  /** The fit as a core Measurement with its privacy map. */
  readonly measurement: Measurement<TrainingSet, StandardScalerParams, 'pure'>;

  /**
   * @param options - the public parameters.
   * @throws DpError INVALID_PARAMETER on bad options (checked in order: epsilon, bounds, maxRowL1).
   * @privacy reads no data.
   * @example
   * new StandardScaler({ epsilon: 1, bounds: { lower: [0], upper: [100] } });
   */
  constructor(options: StandardScalerOptions) {
    super(snapshotOptions(options, ['epsilon', 'bounds', 'maxRowL1', 'features'])); // read once (options-snapshot.ts)
    const d = this.width;
    const scales = this.scales;
    const [eN, eS, eQ] = splitEpsilon(this.epsilon, [0.1, 0.45, 0.45]) as [number, number, number];
    const count = laplaceStatistic(eN, 1, 1);
    const sums = laplaceStatistic(eS, this.maxRowL1, d);
    const squares = laplaceStatistic(eQ, this.maxRowL1, d);
    this.measurement = modelMeasurement(
      'standard-scaler',
      (t, rng) => {
        // Exact units (BoundedModel.unitGrid; exact-sums.ts).
        const q = this.unitGrid(t);
        const s = new ExactTotals(d, ONE);
        const sq = new ExactTotals(d, productUnits(ONE, ONE));
        for (let r = 0; r < t.rows; r++) {
          for (let f = 0; f < d; f++) {
            const v = q[r * d + f] as number;
            if (v === 0) continue;
            s.add(f, v);
            sq.add(f, productUnits(v, v));
          }
          s.endRow();
          sq.endRow();
        }
        const n = Math.max(1, count.release([t.rows], rng)[0] as number);
        const ns = sums.release(s.values(LINEAR_GRID), rng);
        const nq = squares.release(sq.values(PRODUCT_GRID), rng);
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
    const d = this.width;
    const m = this.readRows(x);
    const values = new Float64Array(m.rows * d);
    for (let r = 0; r < m.rows; r++)
      for (let f = 0; f < d; f++) values[r * d + f] = ((m.values[r * d + f] as number) - (mean[f] as number)) / (scale[f] as number);
    return { values, rows: m.rows, columns: d };
  }
}
