/**
 * Normal-distribution helpers for confidence intervals (not for noise): a thin wrapper over the
 * one module of special functions, `src/numeric/special.ts`.
 * @module
 */
import { normalQuantile as quantile } from '../../numeric/special.js';

/** Φ⁻¹(p) for p ∈ (0, 1) (about 1e-15 relative; see `src/numeric/special.ts`). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError('normalQuantile needs p in (0, 1)');
  return quantile(p);
}
