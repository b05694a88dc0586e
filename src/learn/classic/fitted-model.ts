/**
 * What every classic model shares, so that each model's file holds only its
 * own mathematics: the released parameters and the last fit's report (kept
 * together, set only by a charged fit), the fit flow of `_internal/fit-flow.ts`
 * (options checked, rows and labels read, charge = the measurement's
 * privacyMap(1) before the first value is used, then the release) and the
 * accuracy of a classifier.
 * @module
 */
import { DpError, type Measurement } from '../../core/index.js';
import { checkFitOptions, runFit, type TrainingSet } from './_internal/fit-flow.js';
import type { FitOptions, FitReport } from './fit-budget.js';
import { type LabelInput, type Matrix, type ModelInput, readLabels, readMatrix } from './model-input.js';
import { accuracy } from './scoring.js';

/**
 * The base of tsdp's classic models: `params` (the released parameters, P) and `report` (the last fit's guarantee
 * and charge). A model extends it, declares its public width and feature names, and fits through
 * `fitSupervised` / `fitUnsupervised`, which charge exactly its measurement's `privacyMap(1)` before reading a value.
 * @typeParam P - the released parameters.
 * @example
 * const nb = new GaussianNB({ epsilon: 1, bounds: { lower: [0], upper: [1] }, classes: 2 });
 * await nb.fit([[0.1], [0.9]], [0, 1], { budget: PrivacyBudget.pure(1) });
 * nb.params; // the released parameters
 * nb.report?.guarantee; // what was charged
 */
export abstract class FittedModel<P> {
  #params: P | undefined;
  #report: FitReport | undefined;

  /** Feature column names (for records, Arrow tables and SQL results); undefined: columns by position. */
  abstract readonly features: readonly string[] | undefined;

  /** The number of feature columns (public). */
  protected abstract get width(): number;

  /**
   * The released parameters.
   * @throws DpError INVALID_PARAMETER before fit.
   * @privacy the output of a charged DP fit.
   */
  get params(): P {
    if (this.#params === undefined) throw new DpError('INVALID_PARAMETER', 'the model is not fitted', { parameter: 'model' });
    return this.#params;
  }

  /** The last fit's report (guarantee = charge), if any. */
  get report(): FitReport | undefined {
    return this.#report;
  }

  /** Keeps a charged fit's parameters with its report, and returns the report. */
  protected store(params: P, report: FitReport): FitReport {
    this.#params = params;
    this.#report = report;
    return report;
  }

  /** Reads `x` as a matrix of this model's width (by the declared feature names where given). */
  protected readRows(x: ModelInput): Matrix {
    return readMatrix(x, this.features, this.width);
  }

  /** Fit flow with labels: options, rows, labels (all before the charge), then charge and release. */
  protected async fitSupervised(measurement: FitMeasurement<P>, x: ModelInput, y: LabelInput, options: FitOptions): Promise<FitReport> {
    const o = checkFitOptions(options);
    const m = this.readRows(x);
    const labels = readLabels(x, y, m.rows);
    const { params, report } = await runFit(measurement, { x: m.values as Float64Array, rows: m.rows, columns: m.columns, y: labels }, o);
    return this.store(params, report);
  }

  /** Fit flow without labels. */
  protected async fitUnsupervised(measurement: FitMeasurement<P>, x: ModelInput, options: FitOptions): Promise<FitReport> {
    const o = checkFitOptions(options);
    const m = this.readRows(x);
    const { params, report } = await runFit(measurement, { x: m.values as Float64Array, rows: m.rows, columns: m.columns }, o);
    return this.store(params, report);
  }

  /** The fraction of `predicted` equal to the labels `y` of `x`, each label first mapped by `label` (default: as is). */
  protected accuracyOn(predicted: Int32Array, x: ModelInput, y: LabelInput, label?: (v: number) => number): number {
    const labels = readLabels(x, y, predicted.length);
    return accuracy(predicted, label ? labels.map(label) : labels);
  }
}

/** The part of a model's Measurement a fit uses. */
type FitMeasurement<P> = Pick<Measurement<TrainingSet, P>, 'privacyMap' | 'invoke' | 'name'>;
