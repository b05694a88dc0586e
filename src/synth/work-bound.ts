/**
 * The public bound on what a synthesis run allocates, checked before the charge (review ML M8; issue 10 classes 11
 * "everything public is checked before the charge" and 13 "work and memory bounded up front").
 *
 * Rule: every marginal a method materialises is a subset of the default workload's downward closure (every column
 * and every pair of columns: MST scores and measures pairs, AIM answers every candidate of the closure before its
 * first round, MWEM answers the whole workload), and MST's compressed sizes are at most the declared ones. So the
 * cells allocated for answers are at most Σᵢ sᵢ + Σ_{i<j} sᵢ·sⱼ over the declared domain sizes sᵢ, a number known
 * from the schema alone. The graphical model's cliques are bounded by `maxModelSize` (AIM, MWEM) or are the tree's
 * pairs (MST). Both bounds are refused here, before any budget is charged or any record read, with a typed error;
 * nothing data-dependent enters the decision.
 *
 * Work: the final fit runs `iterations` mirror-descent steps, each a constant number of belief-propagation passes
 * (at most 25 line-search trials, two with momentum) over the model's cells. Those cells are at most
 * max(workload cells, `maxModelSize`): MST's model is its tree of pairs (a subset of the workload's marginals),
 * AIM and MWEM admit a marginal only while the junction tree stays under the cap (their 1-way start is inside the
 * workload). So a caller's `iterations` is refused before the charge unless iterations ≤ {@link MAX_ITERATIONS} and
 * iterations × max(workload cells, maxModelSize) ≤ {@link MAX_FIT_WORK} — a huge value no longer runs for days
 * after ρ was spent. The methods' own defaults (≤ 1000 iterations) are always within it (1000 × 2²⁶ < 2³⁶).
 */
import { DpError } from '../core/index.js';

/** The most cells (Float64 counts, 8 bytes each: 512 MiB) the default workload's marginals may take. */
export const MAX_WORKLOAD_CELLS = 2 ** 26;

/** The largest `maxModelSize` (cells of the graphical model's cliques) a run may ask for. */
export const MAX_MODEL_SIZE = 2 ** 26;

/** The model-size cap AIM and MWEM use when the caller gives none (cells of the junction tree). */
export const DEFAULT_MAX_MODEL_SIZE = 1_000_000;

/** The most final-fit iterations a run may ask for (Private-PGM's default is 1000). */
export const MAX_ITERATIONS = 100_000;

/**
 * The most cell-iterations (iterations × the model-cell bound) a run may ask for: 2³⁶ ≈ 6.9·10¹⁰, about 1000
 * iterations on the largest model `maxModelSize` admits, or 68,000 on the default cap — hours of CPU, not days.
 */
export const MAX_FIT_WORK = 2 ** 36;

/**
 * Cells of every 1-way and 2-way marginal over the declared sizes: Σᵢ sᵢ + Σ_{i<j} sᵢ·sⱼ.
 * @param sizes - the declared domain size of each column (integers ≥ 1).
 * @returns the total, exact while below 2⁵³ (each size is at most 10⁴ and there are at most 10⁴ columns).
 */
export function workloadCells(sizes: readonly number[]): number {
  let ones = 0;
  let squares = 0;
  for (const s of sizes) {
    ones += s;
    squares += s * s;
  }
  return ones + (ones * ones - squares) / 2;
}

/**
 * Refuses a plan whose marginals or model could not be allocated, before anything is charged.
 * @param sizes - the declared domain sizes.
 * @param maxModelSize - the caller's model-size cap, or undefined for the default.
 * @param iterations - the caller's final-fit iterations, or undefined for the method's default (always within).
 * @throws DpError INVALID_SCHEMA when the workload's marginals exceed {@link MAX_WORKLOAD_CELLS};
 *   INVALID_PARAMETER when maxModelSize exceeds {@link MAX_MODEL_SIZE}, or iterations exceeds {@link MAX_ITERATIONS}
 *   or its work {@link MAX_FIT_WORK}.
 */
export function checkWorkBound(sizes: readonly number[], maxModelSize: number | undefined, iterations?: number): void {
  const cells = workloadCells(sizes);
  if (!(cells <= MAX_WORKLOAD_CELLS)) {
    throw new DpError(
      'INVALID_SCHEMA',
      `the schema's 1- and 2-way marginals need ${cells} cells, more than the ${MAX_WORKLOAD_CELLS} a synthesis run may allocate: declare fewer columns, fewer categories or fewer bins`,
      { path: 'columns', expected: `Σ sᵢ + Σ sᵢ·sⱼ ≤ ${MAX_WORKLOAD_CELLS}` },
    );
  }
  if (maxModelSize !== undefined && !(maxModelSize <= MAX_MODEL_SIZE)) {
    throw new DpError('INVALID_PARAMETER', `maxModelSize must be at most ${MAX_MODEL_SIZE}`, { parameter: 'maxModelSize' });
  }
  if (iterations !== undefined) {
    const modelCells = Math.max(cells, maxModelSize ?? DEFAULT_MAX_MODEL_SIZE);
    if (!(Number.isSafeInteger(iterations) && iterations >= 1 && iterations <= MAX_ITERATIONS && iterations * modelCells <= MAX_FIT_WORK)) {
      throw new DpError(
        'INVALID_PARAMETER',
        `iterations must be an integer from 1 to ${Math.min(MAX_ITERATIONS, Math.floor(MAX_FIT_WORK / modelCells))} for this schema and model-size cap (at most ${MAX_ITERATIONS}, and iterations × ${modelCells} model cells ≤ ${MAX_FIT_WORK})`,
        { parameter: 'iterations', expected: `≤ ${Math.min(MAX_ITERATIONS, Math.floor(MAX_FIT_WORK / modelCells))}` },
      );
    }
  }
}
