/**
 * The one fit procedure every classic model follows, so that the rule holds
 * by construction: (1) options and the input's public shape are checked and
 * the data is read (total: no value refuses), (2) the loss is the model
 * measurement's privacyMap(1), (3) it is charged (a refusal charges nothing
 * and nothing has been released), (4) the measurement runs on the data and
 * the report states the charged loss as the guarantee.
 * @module
 */
import { anyDomain, defineMeasurement, type Measurement, type PureLoss } from '../../../core/index.js';
import { edgeRead } from '../../../numeric/edge.js';
import { defaultRandomSource, type RandomSource } from '../../../random/index.js';
import { checkObject, checkRandomSource } from '../../_internal/validate.js';
import { chargeFit, checkModelBudget, type FitOptions, type FitReport } from '../fit-budget.js';

/** @internal The training set a model's measurement reads: unit-scaled or raw rows, row-major, and labels. */
export interface TrainingSet {
  readonly x: Float64Array;
  readonly rows: number;
  readonly columns: number;
  readonly y?: Float64Array;
}

/** @internal A pure-DP model measurement from its invoke and its composed map. */
export function modelMeasurement<P>(
  name: string,
  invoke: (t: TrainingSet, rng: RandomSource) => P,
  privacyMap: (dIn: number) => PureLoss,
): Measurement<TrainingSet, P, 'pure'> {
  return defineMeasurement({
    name,
    inputDomain: anyDomain('a table of rows (one row per privacy unit)'),
    inputMetric: 'symmetric-distance',
    outputMeasure: 'pure',
    invoke,
    privacyMap,
  });
}

/** @internal Steps (2)–(4): price, charge, run. */
export async function runFit<P>(
  measurement: Pick<Measurement<TrainingSet, P>, 'privacyMap' | 'invoke' | 'name'>,
  training: TrainingSet,
  options: FitOptions,
): Promise<{ params: P; report: FitReport }> {
  const loss = measurement.privacyMap(1);
  const rng = options.rng ?? defaultRandomSource();
  const report = await chargeFit(options.budget, loss, `tsdp/learn ${measurement.name}`, rng);
  return { params: measurement.invoke(training, rng), report };
}

/**
 * @internal Step (1)'s option checks shared by all fits. S7 edge (issue 10 class 12; the reading rule of
 * model-input.ts): `budget` and `rng` are read ONCE (a throwing getter or Proxy trap is INVALID_PARAMETER) and the
 * fit uses only the returned snapshot, so a getter cannot hand back another budget after the check.
 */
export function checkFitOptions(options: unknown): FitOptions {
  checkObject(options, 'options');
  const read = edgeRead('options', () => {
    const { budget, rng } = options as FitOptions;
    const checked = checkModelBudget(budget); // a ledger charge is snapshotted there
    if (rng !== undefined) checkRandomSource(rng, 'rng');
    return rng === undefined ? { budget: checked } : { budget: checked, rng };
  });
  return read;
}
