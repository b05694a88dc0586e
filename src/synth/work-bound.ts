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
 */
import { DpError } from '../core/index.js';

/** The most cells (Float64 counts, 8 bytes each: 512 MiB) the default workload's marginals may take. */
export const MAX_WORKLOAD_CELLS = 2 ** 26;

/** The largest `maxModelSize` (cells of the graphical model's cliques) a run may ask for. */
export const MAX_MODEL_SIZE = 2 ** 26;

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
 * @throws DpError INVALID_SCHEMA when the workload's marginals exceed {@link MAX_WORKLOAD_CELLS};
 *   INVALID_PARAMETER when maxModelSize exceeds {@link MAX_MODEL_SIZE}.
 */
export function checkWorkBound(sizes: readonly number[], maxModelSize: number | undefined): void {
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
}
