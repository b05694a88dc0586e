/**
 * A query's budget split and its measurement (`splitDpBudget`, `dpSqlMeasurement`), kept across queries of the same
 * budget shape (issue 15: ≈ 45 KB of exact rationals per query, rebuilt for every distinct text — the server's
 * distinct queries differ in WHERE literals only, which neither reads).
 *
 * ## Rule: the split and the measurement are pure functions of the key
 * They read the budget the caller asked for (ε, δ, ρ, noise, the bounding report's share) and, of the plan, only
 * its budget shape: which outputs are aggregates and their names, each GROUP BY key's declared-category count (or
 * none: partition selection), the privacy unit's row-level flag and maxPartitions (budget-split.ts,
 * query-measurement.ts; no data, no literal of the query). The key is exactly those, each number by its exact double
 * text, a fraction string by its text, a `Rational` by its numerator and denominator; an input the key cannot
 * state exactly (a `reportBounding` that is not `true`/`false`/`{ share: number }`) is split fresh, uncached. The
 * budget is read ONCE into a snapshot, and the snapshot — not the caller's object — is both keyed and split, so a
 * getter cannot key one budget and split another. A refused budget (an error) is never kept. Kept objects are
 * shared between queries: callers must not hand them out mutable (`runDpSql` copies the charged loss it returns
 * and gives the ledger). Test: test/sql/budget-memo.test.ts (memo hit equals a fresh split and measurement,
 * generative over shapes and budgets).
 * @module
 */
import { Rational } from '../numeric/rational.js';
import { type BudgetSplit, splitDpBudget } from './budget-split.js';
import type { QueryPlan } from './plan.js';
import { type DpSqlMeasurement, dpSqlMeasurement } from './query-measurement.js';

/** The budget inputs `splitDpBudget` reads. */
export interface BudgetInput {
  readonly epsilon?: number | string | Rational;
  readonly delta?: number | string | Rational;
  readonly rho?: number | string | Rational;
  readonly noise?: 'laplace' | 'gaussian';
  readonly reportBounding?: boolean | { readonly share: number };
}

/** How many budget shapes are kept (oldest dropped first). */
export const BUDGET_MEMO_SIZE = 256;
const memo = new Map<string, { split: BudgetSplit; measurement: DpSqlMeasurement }>();

/** An amount as exact text, or undefined when the key cannot state it. */
function amountKey(x: unknown): string | undefined {
  if (x === undefined) return 'u';
  if (typeof x === 'number') return Object.is(x, -0) ? 'n-0' : `n${String(x)}`;
  if (typeof x === 'string') return `s${JSON.stringify(x)}`;
  if (x instanceof Rational) return `r${x.num}/${x.den}`;
  return undefined;
}

/** The budget read once (a plain snapshot), or undefined when some part is not what the key can state. */
function snapshot(input: BudgetInput): BudgetInput | undefined {
  const { epsilon, delta, rho, noise, reportBounding } = input;
  // Only the noises the split admits are memoised; any other value (the string 'undefined', a number, an object)
  // takes the unmemoised path, which refuses it: a refusal never depends on which queries ran before (class 12,
  // review stop 22: 'undefined' once shared the key of no noise).
  if (noise !== undefined && noise !== 'laplace' && noise !== 'gaussian') return undefined;
  let report: BudgetInput['reportBounding'];
  if (reportBounding === undefined || typeof reportBounding === 'boolean') report = reportBounding;
  else if (typeof reportBounding === 'object' && reportBounding !== null && Object.getPrototypeOf(reportBounding) === Object.prototype) {
    const share = reportBounding.share;
    if (typeof share !== 'number') return undefined;
    report = { share };
  } else return undefined;
  return { epsilon, delta, rho, noise, reportBounding: report };
}

function keyOf(plan: QueryPlan, b: BudgetInput): string | undefined {
  const amounts = [amountKey(b.epsilon), amountKey(b.delta), amountKey(b.rho)];
  if (amounts.some((a) => a === undefined)) return undefined;
  const report = b.reportBounding;
  const shape = {
    amounts,
    // snapshot admits only undefined, 'laplace' and 'gaussian' (anything else is never looked up nor kept).
    noise: b.noise === undefined ? 'none' : b.noise,
    report: report === undefined || typeof report === 'boolean' ? String(report) : amountKey(report.share),
    outputs: plan.outputs.map((o) => (o.kind === 'aggregate' ? ['a', o.name] : [o.kind])),
    keys: plan.groupBy.map((k) => (k.categories === null ? -1 : k.categories === undefined ? -2 : k.categories.length)),
    rowLevel: plan.privacy.rowLevel,
    maxPartitions: amountKey(plan.privacy.maxPartitions),
  };
  return JSON.stringify(shape);
}

/**
 * The budget split and measurement of a planned query, from the memo or built now (and kept).
 * @param plan - the plan.
 * @param input - the budget as the caller gave it (read once here).
 * @returns the split and the query's measurement.
 * @throws DpError INVALID_PARAMETER / INTERNAL as `splitDpBudget` and `dpSqlMeasurement` (nothing is kept).
 * @privacy reads no data: a pure function of public parameters and the plan's budget shape.
 */
export function budgetOf(plan: QueryPlan, input: BudgetInput): { split: BudgetSplit; measurement: DpSqlMeasurement } {
  const b = snapshot(input);
  if (b === undefined) {
    const split = splitDpBudget(plan, input);
    return { split, measurement: dpSqlMeasurement(plan, split) };
  }
  const key = keyOf(plan, b);
  const hit = key === undefined ? undefined : memo.get(key);
  if (hit) return hit;
  const split = splitDpBudget(plan, b);
  const kept = { split, measurement: dpSqlMeasurement(plan, split) };
  if (key !== undefined) {
    if (memo.size >= BUDGET_MEMO_SIZE) {
      const oldest = memo.keys().next();
      if (!oldest.done) memo.delete(oldest.value);
    }
    memo.set(key, kept);
  }
  return kept;
}
