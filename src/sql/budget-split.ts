/**
 * How a query's budget is divided: one equal share of ε per released output
 * (and one for DP partition selection when a GROUP BY key has no declared
 * categories; δ then goes entirely to the selection). The split depends only
 * on the query text, the schema and the declared ε and δ — never on data.
 * @module
 */
import { DpError } from '../core/errors.js';
import { Rational } from '../random/rational.js';
import type { QueryPlan } from './plan.js';

/** The exact division of a query's budget. */
export interface BudgetSplit {
  /** What the query is charged: ε and the δ actually used. */
  readonly charge: { readonly epsilon: Rational; readonly delta: Rational };
  /** ε and δ of partition selection, or null when every group key is declared. */
  readonly selection: { readonly epsilon: Rational; readonly delta: Rational } | null;
  /** ε per output (null for group-key outputs). */
  readonly outputs: readonly (Rational | null)[];
  /** Partitions a unit may touch, as the noise is calibrated for (min(maxPartitions, declared key combinations)). */
  readonly partitions: number;
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
  budget: { epsilon: number | string | Rational; delta?: number | string | Rational },
): BudgetSplit {
  const epsilon = readAmount(budget.epsilon, 'epsilon', false);
  const delta = readAmount(budget.delta ?? 0, 'delta', true);
  if (delta.ge(Rational.ONE)) throw new DpError('INVALID_PARAMETER', 'delta must be < 1', { parameter: 'delta' });
  const undeclared = plan.groupBy.filter((k) => k.categories === null);
  const needsSelection = undeclared.length > 0;
  if (needsSelection && delta.isZero()) {
    throw new DpError(
      'INVALID_PARAMETER',
      `GROUP BY ${undeclared.map((k) => k.name).join(', ')} has no declared categories, so its keys are chosen by DP partition selection, which needs delta > 0 (e.g. --delta 1e-6), or declare the categories in the schema`,
      { parameter: 'delta', expected: '> 0' },
    );
  }
  const aggregates = plan.outputs.filter((o) => o.kind === 'aggregate').length;
  const shares = aggregates + (needsSelection ? 1 : 0);
  const share = epsilon.div(Rational.of(BigInt(shares)));
  let partitions = plan.privacy.maxPartitions;
  if (plan.groupBy.length === 0) partitions = 1;
  else if (!needsSelection) {
    const combos = plan.groupBy.reduce((n, k) => n * (k.categories?.length ?? 1), 1);
    partitions = Math.min(partitions, combos);
  }
  return Object.freeze({
    charge: { epsilon, delta: needsSelection ? delta : Rational.ZERO },
    selection: needsSelection ? { epsilon: share, delta } : null,
    outputs: plan.outputs.map((o) => (o.kind === 'aggregate' ? share : null)),
    partitions,
  });
}
