/**
 * AIM (McKenna, Mullins, Sheldon, Miklau 2022): an adaptive, iterative
 * mechanism for a workload of marginals (default: every 2-way marginal).
 * After measuring the 1-way marginals, each round selects the candidate
 * marginal (the workload's downward closure) the current model answers
 * worst — weighted L1 error less the expected noise, by the exponential
 * mechanism (exact; ε²/8-zCDP by bounded range, as the paper charges it:
 * src/synth/selection.ts) — among the candidates that keep the junction
 * tree under a model-size cap growing with the budget spent; measures it with
 * the discrete Gaussian; refits the model warm-started; and halves σ (anneals)
 * when the new measurement barely moved the model. The last round spends
 * exactly what is left. Every piece goes through the {@link ZcdpFilter}.
 * Budget split per round as the reference: 90% measurement, 10% selection.
 * @module
 * @see McKenna, Mullins, Sheldon, Miklau (2022), "AIM: an adaptive and iterative mechanism", Algorithm 1.
 */
import { Rational } from '../numeric/index.js';
import { type EstimatedModel, estimate, type MarginalMeasurement } from './estimation.js';
import { cellCount, isSubset } from './factor.js';
import { marginalOracle } from './inference.js';
import { junctionTreeSize } from './junction-tree.js';
import { countMarginal, gaussianRho, measureMarginal, sigmaSquaredForRho, ZcdpFilter } from './measure.js';
import { type Compression, type MarginalRun, marginalName, type RunOptions } from './mst.js';
import { exponentialEpsilonForRho, exponentialSelectionEvent, exponentialSelectionRho, selectExponential } from './selection.js';
import { combinations } from './utility.js';

/** AIM's options beyond the shared ones. */
export interface AimOptions extends RunOptions {
  /** The model-size cap, in cells of the junction tree. */
  readonly maxModelSize: number;
  /** The workload (attribute lists); default every pair. */
  readonly workload?: readonly (readonly number[])[];
  /**
   * Mirror-descent iterations per round at most (warm-started), stopping early once 10 iterations lower the
   * loss by ≤ {@link ROUND_TOLERANCE} of it. Default {@link roundIterationsFor} the model's size: 100 up to
   * 10⁵ cells, then a constant amount of work per round, never under 20.
   */
  readonly roundIterations?: number;
}

const BIAS = Math.sqrt(2 / Math.PI);

/**
 * A round's fit stops once 10 iterations (after the first 20) lowered the loss by at most this fraction of it:
 * warm-started, many rounds settle before their cap, and on a large model (high ε: cliques of 10⁵–10⁶ cells)
 * each iteration is a full belief-propagation pass.
 */
export const ROUND_TOLERANCE = 1e-4;

/**
 * The default iteration cap of a round's fit for a model whose junction tree holds `cells` cells: 100 up to
 * 10⁵ cells, then 10⁷/cells (each iteration is one or two belief-propagation passes over every cell), at
 * least 20. Public structure only. Private-PGM runs 1000 plain iterations every round; here each round starts
 * from the previous fit *and its step size* and takes Nesterov steps. On Adult, 1000 a round (with the early
 * stop) cost over 5× the CPU of 100 at ε = 1 and gave no measurable gain at ε = 0.1 (5 seeds: 0.1133 against
 * 0.1147, sd 0.005); at high ε, where the cap lets the model grow to 10⁶ cells, the work per round stays bounded.
 * The final fit runs its full iteration count.
 */
export function roundIterationsFor(cells: number): number {
  return Math.max(20, Math.min(100, Math.floor(1e7 / Math.max(1, cells))));
}

/**
 * The default iteration count of AIM's final fit for a junction tree of `cells` cells: Private-PGM's 1000 up to
 * 10⁵ cells, then 10⁸/cells (about 10⁸ cell-iterations), at least 200. Public structure only. At ε ≤ 1 on Adult the
 * model stays under 10⁵ cells and nothing changes; at ε = 10 the cap lets it grow to ~7.5·10⁵ cells, where an
 * iteration costs 150–300 ms of CPU and 1000 of them took 5 CPU-minutes (no ε = 10 run finished in the previous
 * sessions on the shared machine). The fit is warm-started from the last round's, whose rounds already ran
 * {@link roundIterationsFor} accelerated steps each.
 * @param cells - the junction tree's cells (public: a function of the selected marginals).
 * @returns the iteration count.
 */
export function finalIterationsFor(cells: number): number {
  return Math.max(200, Math.min(1000, Math.floor(1e8 / Math.max(1, cells))));
}

/** The workload's downward closure with AIM's weights Σ_w |c ∩ w|. */
export function aimCandidates(workload: readonly (readonly number[])[]): { attrs: number[]; weight: number }[] {
  const seen = new Map<string, number[]>();
  for (const w of workload) {
    const sorted = [...w].sort((a, b) => a - b);
    for (let k = 1; k <= sorted.length; k++)
      for (const idx of combinations(sorted.length, k)) {
        const c = idx.map((i) => sorted[i] as number);
        seen.set(c.join(','), c);
      }
  }
  return [...seen.values()].map((attrs) => ({
    attrs,
    weight: workload.reduce((t, w) => t + attrs.filter((a) => w.includes(a)).length, 0),
  }));
}

/**
 * Runs AIM on encoded columns.
 * @param columns - the encoded data.
 * @param sizes - the public domain sizes.
 * @param options - ρ, random source, cap, workload, iterations, progress.
 * @returns the fitted model (no compression), the measurements and the filter.
 * @privacy spends at most `options.rho` (zCDP, add/remove one record), checked exactly by the filter.
 */
export function runAim(columns: readonly Int32Array[], sizes: readonly number[], options: AimOptions): MarginalRun {
  const { rho, rng } = options;
  const d = sizes.length;
  const filter = new ZcdpFilter(rho);
  const report = (stage: string, detail?: string) =>
    options.progress?.({ stage, ...(detail === undefined ? {} : { detail }), rhoUsed: filter.spent.toNumber() });
  const workload = options.workload ?? (d >= 2 ? combinations(d, 2) : [[0]]);
  const candidates = aimCandidates(workload);
  const answers = new Map(candidates.map((c) => [c.attrs.join(','), countMarginal(columns, sizes, c.attrs)]));
  const rounds = 16 * d;
  const rhoNumber = rho.toNumber();
  let sigmaSquared = sigmaSquaredForRho((0.9 * rhoNumber) / rounds);
  let epsilon = exponentialEpsilonForRho(Rational.fromNumber((0.1 * rhoNumber) / rounds));
  const log: MarginalMeasurement[] = [];
  // 1-way marginals at the round's σ (as the reference).
  const oneWays = candidates.filter((c) => c.attrs.length === 1);
  for (const c of oneWays) log.push(measureMarginal(columns, sizes, c.attrs, sigmaSquared, filter, rng));
  report('1-way marginals measured', `${oneWays.length} columns`);
  const iterationsFor = (cliques: readonly (readonly number[])[]) =>
    options.roundIterations ?? roundIterationsFor(junctionTreeSize(sizes, cliques));
  let fit: EstimatedModel = estimate(sizes, log, { iterations: iterationsFor(log.map((m) => m.attrs)), tolerance: ROUND_TOLERANCE });
  let terminate = false;
  for (let t = 1; !terminate; t++) {
    const roundCost = gaussianRho(sigmaSquared).add(exponentialSelectionRho(epsilon));
    // Round 16·d is the last whatever the annealing (the whole-run work bound counts 16·d rounds: work-bound.ts). The
    // budget alone ends the loop by then (each earlier round spends ≥ ρ/(16·d) less rounding), so this changes no run.
    if (t >= rounds || filter.remaining.lt(roundCost.mul(Rational.of(2n)))) {
      // The last round spends what is left, exactly: 90% (rounded down) to the Gaussian, the exact rest to the selection.
      const rest = filter.remaining;
      sigmaSquared = sigmaSquaredForRho(rest.mul(Rational.of(9n, 10n)).toNumberDown());
      epsilon = exponentialEpsilonForRho(rest.sub(gaussianRho(sigmaSquared)));
      terminate = true;
    }
    const usedAfter = filter.spent.add(gaussianRho(sigmaSquared)).add(exponentialSelectionRho(epsilon)).toNumber();
    const sizeLimit = (options.maxModelSize * usedAfter) / rhoNumber;
    const free = fit.model.tree.cliques; // as Private-PGM: any subset of a junction-tree clique is free
    const small = candidates.filter(
      (c) => free.some((m) => isSubset(c.attrs, m)) || junctionTreeSize(sizes, [...free, c.attrs]) <= sizeLimit,
    );
    const oracle = marginalOracle(fit.model, fit.potentials, fit.total);
    const sigma = Math.sqrt(sigmaSquared.toNumber());
    const scores = new Map<string, number>();
    let maxWeight = 0;
    for (const c of small) {
      const key = c.attrs.join(',');
      const x = answers.get(key) as Float64Array;
      const est = oracle(c.attrs).values;
      let l1 = 0;
      for (let i = 0; i < x.length; i++) l1 += Math.abs((x[i] as number) - (est[i] as number));
      scores.set(key, c.weight * (l1 - BIAS * sigma * x.length));
      maxWeight = Math.max(maxWeight, c.weight);
    }
    // The exponential mechanism (ε-bounded-range: ε²/8-zCDP, as the paper charges it), never permute-and-flip (ε²/2).
    const keys = [...scores.keys()];
    filter.spend(exponentialSelectionRho(epsilon), exponentialSelectionEvent(epsilon));
    const chosen = (keys[selectExponential([...scores.values()], maxWeight, epsilon, rng)] as string).split(',').map(Number);
    log.push(measureMarginal(columns, sizes, chosen, sigmaSquared, filter, rng));
    const before = oracle(chosen).values;
    const iterations = iterationsFor([...fit.model.tree.cliques, chosen]);
    fit = estimate(sizes, log, { iterations, warmStart: fit, tolerance: ROUND_TOLERANCE });
    const after = marginalOracle(fit.model, fit.potentials, fit.total)(chosen).values;
    let moved = 0;
    for (let i = 0; i < after.length; i++) moved += Math.abs((after[i] as number) - (before[i] as number));
    report(`round ${t}`, `selected ${marginalName(chosen, options.names)} (σ ${sigma.toPrecision(4)})`);
    if (!terminate && moved <= sigma * BIAS * cellCount(chosen.map((a) => sizes[a] as number))) {
      sigmaSquared = sigmaSquared.div(Rational.of(4n));
      epsilon *= 2;
      if (exponentialSelectionRho(epsilon).gt(Rational.fromNumber(rhoNumber))) epsilon /= 2;
      report('annealing', `σ halved to ${(sigma / 2).toPrecision(4)}`);
    }
  }
  const finalCells = junctionTreeSize(sizes, fit.model.tree.cliques);
  const finalIterations = options.iterations ?? finalIterationsFor(finalCells);
  report('final fit', `${finalCells} cells, ${finalIterations} iterations`);
  fit = estimate(sizes, log, { iterations: finalIterations, warmStart: fit });
  report('model estimated', `loss ${fit.loss.toPrecision(4)}`);
  const compression: Compression[] = sizes.map((s) => ({ map: Int32Array.from({ length: s }, (_, v) => v), size: s, rare: [] }));
  return { fit, compression, measurements: log, filter };
}
