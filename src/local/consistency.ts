/**
 * Consistency post-processing of local-DP frequency estimates (Wang,
 * Lopuhaä-Zwakenberg, Li, Škorić, Li, "Consistent and Accurate Frequency
 * Oracles under Local Differential Privacy", NDSS 2020). The unbiased
 * estimates of a frequency oracle can be negative and need not sum to the
 * number of reports n; these methods make them a valid histogram. They are
 * post-processing of released estimates and cost no privacy.
 *
 * - `norm-sub` (the paper's recommendation for full-domain counts): the
 *   Euclidean projection onto {x ≥ 0, Σx = n}: xᵢ = max(cᵢ − θ, 0) with θ
 *   chosen so that the sum is n. The truth lies in that convex set, so the
 *   projection is never farther from it than the raw estimates (in every
 *   run, not just on average).
 * - `norm-mul`: negatives to 0, then scaled to sum n.
 * - `norm`: the same shift added to every count so that they sum to n (may stay negative).
 * - `base-pos`: negatives to 0.
 *
 * When the counts cover only some values (`complete: false`, e.g. candidate
 * lists of sketches or RAPPOR), the other values may hold reports, so the
 * constraint is Σx ≤ n: `norm-sub` projects onto {x ≥ 0, Σx ≤ n}, and
 * `norm` and `norm-mul` only scale down when the sum exceeds n.
 * @module
 */
import { DpError } from '../core/errors.js';

/** A consistency method (see the module header). */
export type ConsistencyMethod = 'norm-sub' | 'norm-mul' | 'norm' | 'base-pos';

/** The methods, for validation and listings. */
export const CONSISTENCY_METHODS: readonly ConsistencyMethod[] = ['norm-sub', 'norm-mul', 'norm', 'base-pos'];

/** Options of `makeConsistent`. */
export interface ConsistencyOptions {
  /** The method (default 'norm-sub'). */
  readonly method?: ConsistencyMethod;
  /** Whether the counts cover the whole domain (sum = n) or only some values (sum ≤ n). Default true. */
  readonly complete?: boolean;
}

/**
 * Makes frequency estimates consistent: non-negative (except `norm`) and
 * summing to `total` (or at most `total` when `complete` is false).
 * @param counts - unbiased count estimates (finite numbers).
 * @param total - the number of reports n (a non-negative finite number).
 * @param options - the method and whether the counts cover the whole domain.
 * @returns the adjusted counts (a new array).
 * @throws DpError INVALID_PARAMETER when a count or the total is not finite, the total is negative, or the method is unknown.
 * @privacy Post-processing of released estimates: no privacy cost.
 * @see Wang et al. (NDSS 2020), §IV (Norm-Sub, Norm-Mul, Base-Pos).
 * @example
 * makeConsistent([5, -2, 9], 10); // Float64Array [3, 0, 7]
 */
export function makeConsistent(counts: ArrayLike<number>, total: number, options: ConsistencyOptions = {}): Float64Array {
  const method = options.method ?? 'norm-sub';
  const complete = options.complete ?? true;
  if (!CONSISTENCY_METHODS.includes(method)) {
    throw new DpError('INVALID_PARAMETER', `consistency must be one of ${CONSISTENCY_METHODS.join(', ')}`, { parameter: 'consistency' });
  }
  if (typeof total !== 'number' || !Number.isFinite(total) || total < 0) {
    throw new DpError('INVALID_PARAMETER', 'total must be a finite number >= 0', { parameter: 'total' });
  }
  const c = Float64Array.from(counts as ArrayLike<number>);
  for (const x of c) if (!Number.isFinite(x)) throw new DpError('INVALID_PARAMETER', 'counts must be finite', { parameter: 'counts' });
  const k = c.length;
  if (k === 0) return c;
  switch (method) {
    case 'base-pos':
      return c.map((x) => Math.max(x, 0));
    case 'norm': {
      const s = sum(c);
      if (!complete && s <= total) return c;
      const shift = (total - s) / k;
      return c.map((x) => x + shift);
    }
    case 'norm-mul': {
      const positive = c.map((x) => Math.max(x, 0));
      const s = sum(positive);
      if (!complete && s <= total) return positive;
      if (s === 0) return positive.fill(total / k);
      const factor = total / s;
      return positive.map((x) => x * factor);
    }
    case 'norm-sub': {
      const positive = c.map((x) => Math.max(x, 0));
      if (!complete && sum(positive) <= total) return positive;
      return projectOntoSimplex(c, total);
    }
  }
}

/** Euclidean projection onto {x ≥ 0, Σx = n} (sort, then the largest prefix whose threshold keeps it positive). */
function projectOntoSimplex(c: Float64Array, n: number): Float64Array {
  if (n === 0) return new Float64Array(c.length);
  const sorted = Float64Array.from(c).sort().reverse();
  // The first prefix always qualifies (its threshold leaves the largest count at n > 0); start from it so that
  // rounding in the comparison below cannot leave θ at 0.
  let prefix = 0;
  let theta = (sorted[0] as number) - n;
  for (let i = 0; i < sorted.length; i++) {
    prefix += sorted[i] as number;
    const candidate = (prefix - n) / (i + 1);
    if ((sorted[i] as number) - candidate > 0) theta = candidate;
  }
  const out = c.map((x) => Math.max(x - theta, 0));
  // Rounding can leave the sum a few ulps from n: spread the residue over the positive cells.
  const residue = n - sum(out);
  const positives = out.reduce((m, x) => m + (x > 0 ? 1 : 0), 0);
  if (positives > 0 && residue !== 0)
    for (let i = 0; i < out.length; i++) if ((out[i] as number) > 0) out[i] = Math.max((out[i] as number) + residue / positives, 0);
  return out;
}

function sum(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x;
  return s;
}
