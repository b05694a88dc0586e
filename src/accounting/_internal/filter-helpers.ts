/**
 * Shared helpers of the filters, the odometer and the composition theorems.
 * @module
 */
import { DpError } from '../../core/errors.js';

/** Throws BUDGET_EXHAUSTED (nothing was charged). */
export function exhausted(requested: string, remaining: string, scope: string): never {
  throw new DpError(
    'BUDGET_EXHAUSTED',
    `the release (${requested}) would pass the ${scope} budget (remaining ${remaining}); nothing was charged`,
    {
      requested,
      remaining,
      scope,
    },
  );
}

/** @throws DpError INVALID_PARAMETER unless x is finite and ≥ 0. */
export function nonNegativeFinite(x: number, name: string): number {
  if (typeof x !== 'number' || !(x >= 0) || !Number.isFinite(x)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a finite number >= 0, got ${String(x)}`, { parameter: name });
  }
  return x;
}
