/**
 * Utility of a synthetic data set against the real one: the total variation
 * distance ½‖p − q‖₁ of their normalised k-way marginals, averaged over a
 * workload (all 1-, 2- or 3-way marginals), with the worst ones named. The
 * same formula as Private-PGM's mechanism scripts. It reads the real data:
 * the data owner computes it, and it is not a DP release.
 * @module
 */
import { DpError } from '../core/index.js';
import { countMarginal } from './measure.js';
import { checkArray, checkColumns, checkInteger, checkSizes } from './params.js';

/** The TVD of one marginal. */
export interface MarginalError {
  readonly columns: readonly string[];
  readonly tvd: number;
}

/** The most k-subsets `combinations` lists. */
const MAX_COMBINATIONS = 1_000_000;

/**
 * Every k-subset of 0 … d−1, in lexicographic order.
 * @throws DpError INVALID_PARAMETER unless d, k are integers in [0, 10⁵] and C(d, k) ≤ 10⁶ (none when k > d).
 */
export function combinations(d: number, k: number): number[][] {
  checkInteger(d, 'd', 0, 100_000);
  checkInteger(k, 'k', 0, 100_000);
  if (k > d) return [];
  let count = 1; // C(d, k), stopped past the bound
  for (let i = 0; i < k && count <= MAX_COMBINATIONS; i++) count = (count * (d - i)) / (i + 1);
  if (count > MAX_COMBINATIONS) {
    throw new DpError('INVALID_PARAMETER', `combinations: C(d, k) must be at most ${MAX_COMBINATIONS}`, { parameter: 'k' });
  }
  const out: number[][] = [];
  const cur: number[] = [];
  const rec = (start: number) => {
    if (cur.length === k) {
      out.push([...cur]);
      return;
    }
    for (let i = start; i < d; i++) {
      cur.push(i);
      rec(i + 1);
      cur.pop();
    }
  };
  rec(0);
  return out;
}

/**
 * ½‖p − q‖₁ between the normalised marginals of two encoded data sets over `attrs`.
 * @returns the TVD in [0, 1] (0 when either set is empty and both are).
 */
export function marginalTvd(
  real: readonly Int32Array[],
  synthetic: readonly Int32Array[],
  sizes: readonly number[],
  attrs: readonly number[],
): number {
  checkColumns(real, 'real');
  checkColumns(synthetic, 'synthetic');
  const x = countMarginal(real, sizes, attrs);
  const y = countMarginal(synthetic, sizes, attrs);
  const nx = real[0]?.length ?? 0;
  const ny = synthetic[0]?.length ?? 0;
  if (nx === 0 || ny === 0) return nx === ny ? 0 : 1;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs((x[i] as number) / nx - (y[i] as number) / ny);
  return s / 2;
}

/**
 * The TVD of every k-way marginal (k-subsets of the columns), worst first.
 * @param real - encoded real data.
 * @param synthetic - encoded synthetic data.
 * @param sizes - the domain sizes.
 * @param names - the column names.
 * @param k - the marginal order.
 * @param limit - the most marginals to score (default all; a prefix of the lexicographic list otherwise).
 * @returns the errors, worst first.
 */
export function workloadErrors(
  real: readonly Int32Array[],
  synthetic: readonly Int32Array[],
  sizes: readonly number[],
  names: readonly string[],
  k: number,
  limit = Number.POSITIVE_INFINITY,
): MarginalError[] {
  checkColumns(real, 'real');
  checkColumns(synthetic, 'synthetic');
  checkSizes(sizes, 'sizes');
  checkArray(names, 'names');
  return combinations(sizes.length, k)
    .slice(0, limit)
    .map((attrs) => ({ columns: attrs.map((a) => names[a] as string), tvd: marginalTvd(real, synthetic, sizes, attrs) }))
    .sort((a, b) => b.tvd - a.tvd);
}

/** The mean of the TVDs (0 for none). */
export function meanTvd(errors: readonly MarginalError[]): number {
  checkArray(
    errors,
    'errors',
    (e) => typeof e === 'object' && e !== null && typeof (e as MarginalError).tvd === 'number',
    'an array of { tvd }',
  );
  return errors.length === 0 ? 0 : errors.reduce((t, e) => t + e.tvd, 0) / errors.length;
}
