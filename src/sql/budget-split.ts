/**
 * How a query's budget is divided: one equal share of ε per released output
 * (and one for DP partition selection when a GROUP BY key has no declared
 * categories; δ then goes entirely to the selection). The split depends only
 * on the query text, the schema and the declared ε, δ, ρ — never on data.
 *
 * With Gaussian noise (`rho`, or `noise: 'gaussian'` with ε and δ) the outputs
 * share a ρ-zCDP budget instead (discrete Gaussian noise). When DP partition
 * selection is needed too, it takes an equal share: ε_sel = √(2ρ/(k+1)) (the
 * ε whose pure-DP zCDP equals one output's ρ) with half the query's δ (the
 * other half stays in the cap for the ledger's conversion of ρ), and the
 * outputs keep ρ·k/(k+1). With ε and δ given, ρ is the largest whose
 * Canonne–Kamath–Steinke conversion at δ fits ε (how much noise to add).
 *
 * The split states the query's cost as an `ExactLoss` (`charge`): ρ is kept
 * as ρ (the ledger converts its total once against the (ε, δ) cap), partition
 * selection as (ε, δ), Laplace outputs as ε. `query-measurement.ts` derives the
 * same loss from the release's measurements and compares the two.
 * @module
 */

import { DpError } from '../core/errors.js';
import type { ExactLoss } from '../core/exact-loss.js';
import { zcdp, zcdpToApproximate } from '../core/loss.js';
import { edgeRecord } from '../numeric/edge.js';
import { Rational } from '../numeric/rational.js';
import type { QueryPlan } from './plan.js';

/** The exact division of a query's budget. */
export interface BudgetSplit {
  /** The split's statement of the query's cost: ε (Laplace outputs and partition selection), δ (selection) and ρ (Gaussian outputs). */
  readonly charge: ExactLoss;
  /** ε and δ of partition selection, or null when every group key is declared. */
  readonly selection: { readonly epsilon: Rational; readonly delta: Rational } | null;
  /** ε per output (Laplace), or ρ per output (Gaussian); null for group-key outputs. */
  readonly outputs: readonly (Rational | null)[];
  /** 'laplace': pure ε per output; 'gaussian': ρ-zCDP per output (discrete Gaussian noise). */
  readonly noise: 'laplace' | 'gaussian';
  /** The ρ the Gaussian split started from (outputs and selection together; Gaussian only; null with Laplace noise). */
  readonly rho: Rational | null;
  /** Partitions a unit may touch, as the noise is calibrated for (min(maxPartitions, declared key combinations)). */
  readonly partitions: number;
  /**
   * The share of EACH of the bounding report's two counts (units cut, units), ε (Laplace) or ρ (Gaussian), or null
   * when no report is asked for. The report takes `reportBounding.share` of the query's ε (or ρ), inside the charge.
   */
  readonly bounding: Rational | null;
}

/** The default share of a query's budget spent on the bounding report (`reportBounding: true`). */
export const DEFAULT_BOUNDING_SHARE = 0.05;

/** Largest share of a query's budget the bounding report may take. */
export const MAX_BOUNDING_SHARE = 0.5;

/**
 * The bounding report's share of the query's budget, checked before anything is charged: a number in (0, 0.5], and
 * only for unit-level queries (with each row its own unit, contribution bounding removes no row).
 * @throws DpError INVALID_PARAMETER
 */
function readBoundingShare(plan: QueryPlan, option: boolean | { readonly share: number } | undefined): Rational | null {
  if (option === undefined || option === false) return null;
  const share = option === true ? DEFAULT_BOUNDING_SHARE : typeof option === 'object' && option !== null ? option.share : Number.NaN;
  if (typeof share !== 'number' || !(share > 0 && share <= MAX_BOUNDING_SHARE)) {
    throw new DpError('INVALID_PARAMETER', `reportBounding.share must be a number in (0, ${MAX_BOUNDING_SHARE}]`, {
      parameter: 'reportBounding',
    });
  }
  if (plan.privacy.rowLevel) {
    throw new DpError(
      'INVALID_PARAMETER',
      'reportBounding needs a privacy unit: with each row its own unit (row-level), contribution bounding removes no row',
      { parameter: 'reportBounding' },
    );
  }
  return Rational.fromNumber(share);
}

function readAmount(x: number | string | Rational, name: string, allowZero: boolean): Rational {
  let r: Rational;
  try {
    r = x instanceof Rational ? x : typeof x === 'number' ? Rational.fromNumberIntended(x) : Rational.parse(x);
  } catch {
    throw new DpError('INVALID_PARAMETER', `${name} must be a finite number or a fraction like "1/11"`, { parameter: name });
  }
  if (r.isNegative() || (!allowZero && r.isZero())) {
    throw new DpError('INVALID_PARAMETER', `${name} must be ${allowZero ? '>= 0' : '> 0'}`, { parameter: name });
  }
  return r;
}

/**
 * Splits (ε, δ) over the outputs of `plan`.
 * @throws DpError INVALID_PARAMETER on a bad ε or δ, or when partition selection is needed and δ = 0.
 */
export function splitDpBudget(
  plan: QueryPlan,
  budget: {
    epsilon?: number | string | Rational;
    delta?: number | string | Rational;
    rho?: number | string | Rational;
    noise?: 'laplace' | 'gaussian';
    reportBounding?: boolean | { readonly share: number };
  },
): BudgetSplit {
  edgeRecord(plan, 'plan');
  edgeRecord(budget, 'budget');
  const gaussian = budget.rho !== undefined || budget.noise === 'gaussian';
  if (budget.noise !== undefined && budget.noise !== 'laplace' && budget.noise !== 'gaussian') {
    throw new DpError('INVALID_PARAMETER', 'noise must be laplace or gaussian', { parameter: 'noise' });
  }
  if (budget.rho !== undefined && budget.epsilon !== undefined) {
    throw new DpError('INVALID_PARAMETER', 'give either epsilon or rho, not both (rho implies Gaussian noise and its epsilon)', {
      parameter: 'rho',
    });
  }
  if (budget.rho === undefined && budget.epsilon === undefined) {
    throw new DpError('INVALID_PARAMETER', 'a query needs an epsilon (or a rho for Gaussian noise)', { parameter: 'epsilon' });
  }
  if (budget.rho !== undefined && budget.noise === 'laplace') {
    throw new DpError('INVALID_PARAMETER', 'rho gives Gaussian noise; drop noise=laplace or give epsilon', { parameter: 'noise' });
  }
  const delta = readAmount(budget.delta ?? 0, 'delta', true);
  if (delta.ge(Rational.ONE)) throw new DpError('INVALID_PARAMETER', 'delta must be < 1', { parameter: 'delta' });
  const undeclared = plan.groupBy.filter((k) => k.categories === null);
  const needsSelection = undeclared.length > 0;
  const boundingShare = readBoundingShare(plan, budget.reportBounding);
  if (gaussian) return splitGaussian(plan, budget, delta, needsSelection, boundingShare);
  const epsilon = readAmount(budget.epsilon ?? 0, 'epsilon', false);
  if (needsSelection && delta.isZero()) {
    throw new DpError(
      'INVALID_PARAMETER',
      `GROUP BY ${undeclared.map((k) => k.name).join(', ')} has no declared categories, so its keys are chosen by DP partition selection, which needs delta > 0 (e.g. --delta 1e-6), or declare the categories in the schema`,
      { parameter: 'delta', expected: '> 0' },
    );
  }
  const shares = aggregateCount(plan) + (needsSelection ? 1 : 0);
  // The bounding report's two counts take boundingShare of ε (half each); the outputs and selection share the rest.
  const report = boundingShare ? epsilon.mul(boundingShare) : Rational.ZERO;
  const share = epsilon.sub(report).div(Rational.of(BigInt(shares)));
  return Object.freeze({
    charge: { epsilon, delta: needsSelection ? delta : Rational.ZERO, rho: Rational.ZERO },
    selection: needsSelection ? { epsilon: share, delta } : null,
    outputs: plan.outputs.map((o) => (o.kind === 'aggregate' ? share : null)),
    noise: 'laplace' as const,
    rho: null,
    partitions: partitionsOf(plan, needsSelection),
    bounding: boundingShare ? report.div(Rational.of(2n)) : null,
  });
}

function aggregateCount(plan: QueryPlan): number {
  return plan.outputs.filter((o) => o.kind === 'aggregate').length;
}

function partitionsOf(plan: QueryPlan, needsSelection: boolean): number {
  if (plan.groupBy.length === 0) return 1;
  if (needsSelection) return plan.privacy.maxPartitions;
  const combos = plan.groupBy.reduce((n, k) => n * (k.categories?.length ?? 1), 1);
  return Math.min(plan.privacy.maxPartitions, combos);
}

/** The smallest multiple of 10⁻⁹ that is ≥ x (exact), so a converted charge reads well and never undercharges. */
function roundUpNano(x: number): Rational {
  const exact = Rational.fromNumber(x);
  const nano = Rational.of(1n, 1_000_000_000n);
  const r = Rational.of(exact.div(nano).ceil(), 1_000_000_000n);
  return r.lt(exact) ? r.add(nano) : r;
}

/** The (ε, δ) a Gaussian split of total ρ costs (with `report` of ρ on the bounding report): ε as a double, before rounding. */
function gaussianEpsilon(rho: number, delta: number, outputs: number, selection: boolean, report: number): number {
  if (!selection) return zcdpToApproximate(zcdp(rho), delta).epsilon;
  const k = outputs;
  const main = rho * (1 - report);
  return zcdpToApproximate(zcdp((main * k) / (k + 1) + rho * report), delta / 2).epsilon + Math.sqrt((2 * main) / (k + 1));
}

function splitGaussian(
  plan: QueryPlan,
  budget: { epsilon?: number | string | Rational; rho?: number | string | Rational },
  delta: Rational,
  needsSelection: boolean,
  boundingShare: Rational | null,
): BudgetSplit {
  if (delta.isZero() && (needsSelection || budget.rho === undefined)) {
    throw new DpError(
      'INVALID_PARAMETER',
      needsSelection
        ? 'DP partition selection needs delta > 0 (e.g. --delta 1e-6), or declare the categories in the schema'
        : 'Gaussian noise from an epsilon needs delta > 0 to find its rho (e.g. --delta 1e-6), or give rho',
      { parameter: 'delta', expected: '> 0' },
    );
  }
  const d = delta.toNumberDown();
  const k = aggregateCount(plan);
  let rho: Rational;
  if (budget.rho !== undefined) {
    rho = readAmount(budget.rho, 'rho', false);
  } else {
    // noise = gaussian with (ε, δ): the largest ρ whose conversion fits ε (bisection; depends on public numbers only).
    const target = readAmount(budget.epsilon ?? 0, 'epsilon', false).toNumberDown();
    let lo = 0;
    let hi = target;
    for (let i = 0; i < 200 && hi - lo > hi * 1e-12; i++) {
      const mid = (lo + hi) / 2;
      if (gaussianEpsilon(mid, d, k, needsSelection, boundingShare?.toNumberUp() ?? 0) <= target) lo = mid;
      else hi = mid;
    }
    if (!(lo > 0))
      throw new DpError('INVALID_PARAMETER', 'epsilon is too small for Gaussian noise at this delta', { parameter: 'epsilon' });
    rho = Rational.fromNumber(lo);
  }
  const shares = k + (needsSelection ? 1 : 0);
  // The bounding report's two counts take boundingShare of ρ (half each); the outputs and selection share the rest.
  const report = boundingShare ? rho.mul(boundingShare) : Rational.ZERO;
  const main = rho.sub(report);
  const share = main.div(Rational.of(BigInt(shares)));
  // Selection takes δ/2: the other half is left in the cap for the ledger's one conversion of ρ.
  const selection = needsSelection
    ? { epsilon: roundUpNano(Math.sqrt((2 * main.toNumberUp()) / shares)), delta: delta.div(Rational.of(2n)) }
    : null;
  return Object.freeze({
    charge: {
      epsilon: selection?.epsilon ?? Rational.ZERO,
      delta: selection?.delta ?? Rational.ZERO,
      rho: share.mul(Rational.of(BigInt(k))).add(report),
    },
    selection,
    outputs: plan.outputs.map((o) => (o.kind === 'aggregate' ? share : null)),
    noise: 'gaussian' as const,
    rho,
    partitions: partitionsOf(plan, needsSelection),
    bounding: boundingShare ? report.div(Rational.of(2n)) : null,
  });
}
