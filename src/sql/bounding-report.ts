/**
 * The bounding report (issue 11 `--report-bounding`): how many privacy units
 * lost rows to contribution bounding, and how many units there are, released
 * with DP from a small stated share of the query's own budget — so a user can
 * tell when `maxPartitions` or `maxContributionsPerPartition` cut most of
 * their data. Intervals elsewhere cover the noise only; this is the one
 * released statement about the bias bounding adds.
 *
 * Definition (public, the same as the main statement's bounding): over the
 * rows of the query's FROM/WHERE, grouped per unit and GROUP BY key, a unit
 * **lost rows** when it has rows in more than `maxPartitions` groups, or more
 * than `maxContributionsPerPartition` rows in one group. (Clamping of values
 * to declared bounds is not counted: no row is removed by it.)
 *
 * Privacy: each count changes by at most 1 when one unit (all its rows) is
 * added or removed — `units` by exactly 1, `unitsCut` by 0 or 1 (the cut of
 * every other unit depends on its own rows only) — so each is a count of
 * sensitivity 1, released with discrete Laplace noise at its ε share (or
 * discrete Gaussian at its ρ share). The two shares are part of the query's
 * split (`budget-split.ts`: `reportBounding.share` of the query's ε or ρ,
 * half each) and of its measurement (`query-measurement.ts`), so the charge is
 * still exactly the measurement's privacy map. Refused before any charge when
 * ill-parameterised (share outside (0, 0.5], row-level queries, budgets the
 * statistics layer refuses).
 *
 * Totality: the statement reuses the main statement's total FROM/WHERE, unit
 * and key expressions (`compile-expr.ts`); COUNT, MAX and SUM of counts never
 * raise.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { PrivacyLoss } from '../core/loss.js';
import type { RandomSource } from '../random/source.js';
import { type OutputBudget, planAggregate, releaseCount } from '../stats/release-aggregates.js';
import type { BudgetSplit } from './budget-split.js';
import { dialectCompiler, fromClause, unitRows } from './compile.js';
import { compileTyped, type Env, keyOutput, Params, q } from './compile-expr.js';
import type { CompiledStatement, SqlDialect } from './dialect.js';
import type { BoundingReport } from './dp-sql-types.js';
import type { EngineRow } from './engine.js';
import { toBig } from './engine-values.js';
import type { QueryPlan } from './plan.js';
import type { SqlSchema } from './schema.js';

/**
 * The statement of the two exact counts: one row (`units`, `cut`).
 * @param plan - the plan (FROM/WHERE, unit, keys, contribution bounds).
 * @param dialect - the dialect.
 * @param schema - the schema (static types of the total conversions).
 * @returns the compiled statement.
 * @throws DpError INTERNAL for a row-level plan (refused earlier by the split).
 */
export function compileBoundingReport(plan: QueryPlan, dialect: SqlDialect, schema: SqlSchema): CompiledStatement {
  if (plan.privacy.rowLevel) throw new DpError('INTERNAL', 'a bounding report of a row-level query');
  const own = dialectCompiler(dialect);
  if (own) return own.compileBoundingReport(plan, schema);
  const env: Env = { plan, d: dialect, p: new Params(dialect), schema };
  const { maxPartitions: P, maxContributionsPerPartition: C } = plan.privacy;
  const wide = dialect.typeName('wide');
  const U = q(env, 'unit');
  const qk = plan.groupBy.map((_, i) => q(env, `k${i}`));
  const keys = plan.groupBy.map((k, i) => `${keyOutput(env, compileTyped(env, k.expr))} AS ${qk[i]}`);
  const { unit, where } = unitRows(env);
  const rows = `SELECT ${[`${unit} AS ${U}`, ...keys].join(', ')} FROM ${fromClause(env)}${where}`;
  const c = q(env, 'c');
  const g = q(env, 'g');
  const m = q(env, 'm');
  const perGroup = `SELECT ${[U, ...qk, `COUNT(*) AS ${c}`].join(', ')} FROM ${q(env, 'tsdp_rows')} GROUP BY ${[U, ...qk].join(', ')}`;
  const perUnit = `SELECT ${U}, COUNT(*) AS ${g}, MAX(${c}) AS ${m} FROM ${q(env, 'tsdp_per_group')} GROUP BY ${U}`;
  const cut = `CASE WHEN ${g} > ${env.p.int(P)} OR ${m} > ${env.p.int(C)} THEN 1 ELSE 0 END`;
  const sql =
    `WITH ${q(env, 'tsdp_rows')} AS (${rows}), ${q(env, 'tsdp_per_group')} AS (${perGroup}), ${q(env, 'tsdp_per_unit')} AS (${perUnit}) ` +
    `SELECT CAST(COUNT(*) AS ${wide}) AS ${q(env, 'units')}, CAST(SUM(${cut}) AS ${wide}) AS ${q(env, 'cut')} FROM ${q(env, 'tsdp_per_unit')}`;
  return env.p.finish(sql);
}

/** Each count's budget as the statistics layer reads it. */
function countBudget(split: BudgetSplit): OutputBudget {
  if (!split.bounding) throw new DpError('INTERNAL', 'no bounding share');
  const x = split.bounding.toNumberDown();
  return split.noise === 'gaussian' ? { rho: x } : { epsilon: x };
}

/**
 * Checks the two counts' release parameters BEFORE the charge (the statistics layer's own checks).
 * @param split - the split (its bounding share and noise).
 * @param confidence - the intervals' level.
 * @throws DpError INVALID_PARAMETER when a count's share is too small to release.
 * @privacy reads no data.
 */
export function planBoundingReport(split: BudgetSplit, confidence: number): void {
  if (!split.bounding) return;
  planAggregate('count', { budget: countBudget(split), maxPartitions: 1, maxContributionsPerPartition: 1, confidence });
}

/**
 * Releases the two counts from the statement's row.
 * @param row - the engine row of `compileBoundingReport` (undefined: no rows, both 0).
 * @param split - the split (shares and noise).
 * @param confidence - the intervals' level.
 * @param rng - the randomness.
 * @returns the report: noisy counts (non-negative, post-processing), their intervals and shares; and the losses the two releases state.
 * @throws DpError INTERNAL on an engine value that is not an exact integer.
 * @privacy each count has sensitivity 1 under add/remove one unit and spends its share (ε, or ρ).
 */
export function releaseBoundingReport(
  row: EngineRow | undefined,
  split: BudgetSplit,
  confidence: number,
  rng: RandomSource,
): { report: BoundingReport; losses: PrivacyLoss[] } {
  const budget = countBudget(split);
  const losses: PrivacyLoss[] = [];
  const release = (count: bigint): { value: number; interval: readonly [number, number] } => {
    const r = releaseCount({ count, budget, maxPartitions: 1, maxContributionsPerPartition: 1, confidence, rng });
    losses.push(r.guarantee);
    // Counts are ≥ 0: the value and the interval are cut at 0 (post-processing).
    return { value: Math.max(0, r.value), interval: [Math.max(0, r.interval.lower), Math.max(0, r.interval.upper)] };
  };
  const cut = release(toBig(row?.cut));
  const units = release(toBig(row?.units));
  const report: BoundingReport = {
    unitsCut: cut.value,
    units: units.value,
    interval: { unitsCut: cut.interval, units: units.interval },
    ...('rho' in budget ? { rho: budget.rho } : { epsilon: budget.epsilon }),
    confidence,
  };
  return { report, losses };
}
