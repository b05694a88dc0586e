/**
 * The budget of one output and the checks of public release parameters
 * (validated once, at the edge, with typed INVALID_PARAMETER refusals whose
 * messages never call a value's own methods).
 * @module
 */

import type { OutputBudget } from '../core/budget-input.js';
import { DpError } from '../core/errors.js';
import { type ExactLoss, exactLoss } from '../core/exact-loss.js';
import { approximate, type PrivacyLoss, pure, zcdp } from '../core/loss.js';
import { edgeArray, edgeRecord } from '../numeric/edge.js';
import { Rational } from '../numeric/rational.js';

/**
 * The budget of one output AS A CALLER WRITES IT: core's one input shape of a budget (`core/budget-input.ts`),
 * read once, at the edge, into core's loss types — `chargedLoss` (the `PrivacyLoss` a release states and charges,
 * via its measurement's map) and `outputLoss` (the `ExactLoss` a plan, a ledger or a budget stores, spends and
 * leaves). A query's plan (`QueryBudgetPlan`) holds `ExactLoss` values.
 */
export type { OutputBudget };

/**
 * The exact loss of an output budget (core's one type for a loss that is spent and left).
 * @param budget - the budget as a caller writes it.
 * @returns `{ε, 0, 0}` or `{0, 0, ρ}` (an unused δ is not spent by the noise).
 * @throws DpError INVALID_PARAMETER on a malformed budget.
 * @example
 * outputLoss({ rho: 0.5 }); // { epsilon: 0, delta: 0, rho: 1/2 }
 */
export function outputLoss(budget: OutputBudget): ExactLoss {
  const b = readBudget(budget);
  return b.kind === 'zcdp' ? exactLoss(zcdp(b.rho)) : exactLoss(pure(b.epsilon));
}

/**
 * A parameter as text for an error message, without calling any method the
 * value carries (a hostile object's `toString` could throw or lie): numbers,
 * booleans, bigints and short strings are shown, anything else by its type.
 */
export function showParameter(x: unknown): string {
  switch (typeof x) {
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(x);
    case 'string':
      return x.length <= 40 ? JSON.stringify(x) : 'a long string';
    default:
      return x === null ? 'null' : `a value of type ${typeof x}`;
  }
}

/** Checks a finite positive number; parameters are public so echoing them is fine. */
export function checkPositive(x: number, name: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a finite number > 0, got ${showParameter(x)}`, { parameter: name });
  }
  return x;
}

/** Checks a positive safe integer. */
export function checkPositiveInteger(x: number, name: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1) {
    throw new DpError('INVALID_PARAMETER', `${name} must be an integer >= 1, got ${showParameter(x)}`, { parameter: name });
  }
  return x;
}

/** Reads and validates the contribution bounds (each default 1). */
export function readBounding(o: { readonly maxPartitions?: number; readonly maxContributionsPerPartition?: number }): {
  partitions: bigint;
  contributions: bigint;
} {
  return {
    partitions: BigInt(checkPositiveInteger(o.maxPartitions ?? 1, 'maxPartitions')),
    contributions: BigInt(checkPositiveInteger(o.maxContributionsPerPartition ?? 1, 'maxContributionsPerPartition')),
  };
}

/** Checks a confidence level in (0, 1). */
export function checkConfidence(c: number): number {
  if (typeof c !== 'number' || !(c > 0 && c < 1)) {
    throw new DpError('INVALID_PARAMETER', `confidence must be in (0, 1), got ${showParameter(c)}`, { parameter: 'confidence' });
  }
  return c;
}

/** Reads an output budget; throws INVALID_PARAMETER for anything malformed. */
export function readBudget(budget: OutputBudget): { kind: 'pure'; epsilon: number; delta: number } | { kind: 'zcdp'; rho: number } {
  if (budget === null || typeof budget !== 'object') {
    throw new DpError('INVALID_PARAMETER', 'a budget must be { epsilon } or { rho }', { parameter: 'budget' });
  }
  if ('rho' in budget) return { kind: 'zcdp', rho: checkPositive(budget.rho, 'rho') };
  if ('epsilon' in budget) {
    const delta = budget.delta ?? 0;
    if (typeof delta !== 'number' || !(delta >= 0 && delta < 1)) {
      throw new DpError('INVALID_PARAMETER', `delta must be in [0, 1), got ${showParameter(delta)}`, { parameter: 'delta' });
    }
    return { kind: 'pure', epsilon: checkPositive(budget.epsilon, 'epsilon'), delta: delta === 0 ? 0 : delta };
  }
  throw new DpError('INVALID_PARAMETER', 'a budget must be { epsilon } or { rho }', { parameter: 'budget' });
}

/**
 * The loss one output budget is charged as: ε-DP, ρ-zCDP, or (ε, 0) for an
 * (ε, δ) budget (its noise, the discrete Laplace, does not use δ).
 */
export function chargedLoss(budget: OutputBudget): PrivacyLoss {
  const b = readBudget(budget);
  if (b.kind === 'zcdp') return zcdp(b.rho);
  return 'delta' in budget && budget.delta !== undefined ? approximate(b.epsilon, 0) : pure(b.epsilon);
}

/** Splits a budget into parts proportional to `weights` (each part rounded down, so the parts never sum to more). */
export function splitBudget(budget: OutputBudget, weights: readonly number[]): OutputBudget[] {
  edgeRecord(budget, 'budget');
  edgeArray(weights, 'weights');
  const total = weights.reduce((s, w) => s + w, 0);
  if (!(weights.length > 0 && weights.every((w) => Number.isFinite(w) && w > 0) && Number.isFinite(total))) {
    throw new DpError('INVALID_PARAMETER', 'weights must be finite numbers > 0', { parameter: 'weights' });
  }
  const b = readBudget(budget);
  const wTotal = weights.reduce((s, w) => s.add(Rational.fromNumber(w)), Rational.ZERO);
  const share = (x: number, w: number) => Rational.fromNumber(x).mul(Rational.fromNumber(w)).div(wTotal).toNumberDown();
  return weights.map((w) => {
    if (b.kind === 'zcdp') return { rho: share(b.rho, w) };
    return b.delta > 0 ? { epsilon: share(b.epsilon, w), delta: share(b.delta, w) } : { epsilon: share(b.epsilon, w) };
  });
}

/**
 * The loss of a mechanism calibrated to `budget` for one privacy unit, when
 * neighbouring inputs differ by `units` units and its loss is linear in the
 * distance (Laplace-type noise, the exponential mechanism): pure kε, (kε, 0)
 * for an (ε, δ) budget (δ unused), ρ-zCDP k²ρ. Exact, rounded up; at k = 1 it
 * is `chargedLoss(budget)`.
 * @param budget - the output budget the mechanism was calibrated to.
 * @param units - the distance in privacy units (finite, ≥ 0).
 * @returns the loss.
 * @throws DpError INVALID_PARAMETER on a malformed budget.
 */
export function budgetLossAt(budget: OutputBudget, units: number): PrivacyLoss {
  const b = readBudget(budget);
  const k = Rational.fromNumber(units);
  if (b.kind === 'zcdp') return zcdp(k.mul(k).mul(Rational.fromNumber(b.rho)).toNumberUp());
  const epsilon = k.mul(Rational.fromNumber(b.epsilon)).toNumberUp();
  return 'delta' in budget && budget.delta !== undefined ? approximate(epsilon, 0) : pure(epsilon);
}
