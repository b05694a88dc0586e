/**
 * MWEM (Hardt, Ligett, McSherry 2012) on the graphical-model machinery, as
 * Private-PGM's `mwem+pgm` runs it: the record total is measured first (2% of
 * ρ, a discrete Gaussian count); then each of T rounds selects the workload
 * marginal (default: every 2-way and 1-way marginal) the current model answers
 * worst — L1 error, sensitivity 1 — by the exponential mechanism
 * (exact; ε²/8-zCDP by bounded range: src/synth/selection.ts), measures it with the discrete Gaussian and refits the
 * model, warm-started, by Private-PGM's estimator instead of multiplicative
 * weights over the full domain (which would not fit in memory). Candidates
 * that would grow the junction tree past the model-size cap are skipped.
 * Per round the budget splits as AIM's: 90% measurement, 10% selection; the
 * last round spends exactly what is left. Every piece goes through the
 * {@link ZcdpFilter}.
 * @module
 * @see Hardt, Ligett, McSherry (2012), "A simple and practical algorithm for differentially private data release".
 * @see McKenna, Sheldon, Miklau (2019), §6 (MWEM with PGM estimation).
 */
import { Rational } from '../numeric/index.js';
import { type EstimatedModel, estimate, estimateTotal, type MarginalMeasurement } from './estimation.js';
import { isSubset } from './factor.js';
import { marginalOracle } from './inference.js';
import { junctionTreeSize } from './junction-tree.js';
import { countMarginal, gaussianRho, measureMarginal, sigmaSquaredForRho, ZcdpFilter } from './measure.js';
import { type Compression, type MarginalRun, marginalName, type RunOptions } from './mst.js';
import { exponentialEpsilonForRho, exponentialSelectionEvent, exponentialSelectionRho, selectExponential } from './selection.js';
import { combinations } from './utility.js';

/** MWEM's options beyond the shared ones. */
export interface MwemOptions extends RunOptions {
  /** The model-size cap, in cells of the junction tree. */
  readonly maxModelSize: number;
  /** Rounds (default: the number of columns). */
  readonly rounds?: number;
  /** The workload (attribute lists); default every pair and every single column. */
  readonly workload?: readonly (readonly number[])[];
  /** Mirror-descent iterations per round (warm-started; default 100). */
  readonly roundIterations?: number;
}

/**
 * Runs MWEM on encoded columns.
 * @param columns - the encoded data.
 * @param sizes - the public domain sizes.
 * @param options - ρ, random source, rounds, cap, workload, iterations, progress.
 * @returns the fitted model (no compression), the measurements and the filter.
 * @privacy spends at most `options.rho` (zCDP, add/remove one record), checked exactly by the filter.
 */
export function runMwem(columns: readonly Int32Array[], sizes: readonly number[], options: MwemOptions): MarginalRun {
  const { rho, rng } = options;
  const d = sizes.length;
  const filter = new ZcdpFilter(rho);
  const report = (stage: string, detail?: string) =>
    options.progress?.({ stage, ...(detail === undefined ? {} : { detail }), rhoUsed: filter.spent.toNumber() });
  const workload = options.workload ?? [...combinations(d, 1), ...(d >= 2 ? combinations(d, 2) : [])];
  const answers = new Map(workload.map((w) => [w.join(','), countMarginal(columns, sizes, w)]));
  const rounds = options.rounds ?? Math.max(1, d);
  const roundIterations = options.roundIterations ?? 100;
  // The record total: a 1-cell marginal (the count) with 2% of ρ.
  const countS2 = sigmaSquaredForRho(rho.mul(Rational.of(1n, 50n)).toNumberDown());
  const count = measureMarginal([new Int32Array(columns[0]?.length ?? 0)], [1], [0], countS2, filter, rng);
  report('record count measured');
  const perRound = filter.remaining.div(Rational.of(BigInt(rounds))).toNumberDown();
  let sigmaSquared = sigmaSquaredForRho(0.9 * perRound);
  let epsilon = exponentialEpsilonForRho(Rational.fromNumber(0.1 * perRound));
  const log: MarginalMeasurement[] = [];
  const totalOf = () => estimateTotal([count, ...log]);
  let fit: EstimatedModel = estimate(sizes, log, { iterations: 1, total: totalOf() });
  for (let t = 1; t <= rounds; t++) {
    if (t === rounds) {
      // The last round spends what is left, exactly: 90% (rounded down) to the Gaussian, the exact rest to the selection.
      const rest = filter.remaining;
      sigmaSquared = sigmaSquaredForRho(rest.mul(Rational.of(9n, 10n)).toNumberDown());
      epsilon = exponentialEpsilonForRho(rest.sub(gaussianRho(sigmaSquared)));
    }
    const free = fit.model.cliques;
    const small = workload.filter((w) => free.some((m) => isSubset(w, m)) || junctionTreeSize(sizes, [...free, w]) <= options.maxModelSize);
    const oracle = marginalOracle(fit.model, fit.potentials, fit.total);
    const scores = new Map<string, number>();
    for (const w of small) {
      const key = w.join(',');
      const x = answers.get(key) as Float64Array;
      const est = oracle(w).values;
      let l1 = 0;
      for (let i = 0; i < x.length; i++) l1 += Math.abs((x[i] as number) - (est[i] as number));
      scores.set(key, l1);
    }
    const keys = [...scores.keys()];
    filter.spend(exponentialSelectionRho(epsilon), exponentialSelectionEvent(epsilon));
    const chosen = (keys[selectExponential([...scores.values()], 1, epsilon, rng)] as string).split(',').map(Number);
    log.push(measureMarginal(columns, sizes, chosen, sigmaSquared, filter, rng));
    fit = estimate(sizes, log, { iterations: roundIterations, warmStart: fit, total: totalOf() });
    report(
      `round ${t} of ${rounds}`,
      `selected ${marginalName(chosen, options.names)} (σ ${Math.sqrt(sigmaSquared.toNumber()).toPrecision(4)})`,
    );
  }
  fit = estimate(sizes, log, { iterations: options.iterations ?? 1000, warmStart: fit, total: totalOf() });
  report('model estimated', `loss ${fit.loss.toPrecision(4)}`);
  const compression: Compression[] = sizes.map((s) => ({ map: Int32Array.from({ length: s }, (_, v) => v), size: s, rare: [] }));
  return { fit, compression, measurements: log, filter };
}
