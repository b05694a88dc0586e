/**
 * `explainDpSql`: what a DP SQL query would do — the plan, the budget split,
 * the bounding and the rewritten SQL — without running or charging it. It
 * performs every check `runDpSql` performs before its charge that needs no
 * engine (planning, budget split, finite-release check, compilation).
 * @module
 */
import { edgeRecord, edgeString } from '../numeric/edge.js';
import { Rational } from '../numeric/rational.js';
import { planBoundingReport } from './bounding-report.js';
import type { BudgetSplit } from './budget-split.js';
import { splitDpBudget } from './budget-split.js';
import { type CompiledDpQuery, compileDpQuery } from './compile.js';
import type { SqlDialect } from './dialect.js';
import { type DpSqlExplanation, type DpSqlOptions, readIntervalShare } from './dp-sql-types.js';
import { checkFiniteRelease } from './finite-release.js';
import type { QueryPlan } from './plan.js';
import { planDpQuery } from './plan-query.js';
import { dpSqlMeasurement } from './query-measurement.js';
import { planReleases } from './release-group.js';
import type { SqlSchema } from './schema.js';

/** An exact amount as its fraction when short (1/3), else as its decimal when exact (2.348351733), else ≈ the double above it. */
function fmtAmount(r: Rational): string {
  const t = r.toString();
  if (t.length <= 12) return t;
  const d = String(r.toNumber());
  return Rational.parse(d).equals(r) ? d : `≈${r.toNumberUp()}`;
}

/** How an integer column's quantile is reported (public: from the compiled grid). */
function integerNote(compiled: CompiledDpQuery, i: number): string {
  const inputs = compiled.inputs[i];
  if (inputs?.kind !== 'quantile' || !inputs.integer) return '';
  const bins = compiled.histograms[inputs.histogram]?.bins ?? 0;
  const perInteger = inputs.bounds[1] - inputs.bounds[0] === bins;
  return perInteger
    ? `; integer column: one bin per integer, value and ends are integers`
    : '; integer column: value and ends rounded to integers';
}

function describeSplit(plan: QueryPlan, split: BudgetSplit, compiled: CompiledDpQuery, intervalShare: number): string[] {
  const lines: string[] = [];
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  plan.outputs.forEach((o, i) => {
    const e = split.outputs[i];
    if (o.kind === 'derived') lines.push(`  ${o.name}: no cost (arithmetic over the noisy outputs: post-processing)`);
    if (o.kind !== 'aggregate' || !e) return;
    const how =
      o.aggregate.kind === 'quantile' && intervalShare > 0
        ? `quantile: ${pct(1 - intervalShare)} exponential mechanism for the value, ${pct(intervalShare / 2)} for each end of its interval (two more exponential mechanisms)${integerNote(compiled, i)}`
        : o.aggregate.kind;
    const hidden = o.hidden ? ', not printed: used by a derived output, HAVING or ORDER BY' : '';
    lines.push(`  ${o.name}: ${split.noise === 'gaussian' ? `ρ=${fmtAmount(e)}` : `ε=${e.toString()}`} (${how}${hidden})`);
  });
  if (split.bounding)
    lines.push(
      `  bounding report: ${split.noise === 'gaussian' ? `ρ=${fmtAmount(split.bounding)}` : `ε=${fmtAmount(split.bounding)}`} for each of its two counts (units that lost rows to bounding, units)`,
    );
  if (split.selection) lines.push(`  partition selection: ε=${fmtAmount(split.selection.epsilon)}, δ=${fmtAmount(split.selection.delta)}`);
  return lines;
}

function inlineParams(sql: string, params: CompiledDpQuery['main']['params']): string {
  return sql.replace(/\$(\d+)/g, (m, d: string) => {
    const p = params[Number(d) - 1];
    return p ? `${m}/*${typeof p.value === 'string' ? JSON.stringify(p.value) : String(p.value)}*/` : m;
  });
}

/**
 * Plans, splits and compiles a query without running or charging it.
 * @param sql - the query text.
 * @param schema - the data set's schema.
 * @param dialect - the dialect to compile for.
 * @param options - ε, δ, ρ, noise and the quantile interval share, as for `runDpSql`.
 * @param salt - the bounding salt shown in the SQL (default 0; `runDpSql` draws one from the CSPRNG).
 * @returns the plan, the compiled statements, the budget split and a readable account.
 * @throws DpError UNSUPPORTED_QUERY, INVALID_PARAMETER
 * @privacy reads no data and charges nothing; the text holds only the query, the schema and the declared budget.
 * @example
 * console.log(explainDpSql(sql, schema, duckdbDialect, { epsilon: 1 }).text);
 */
export function explainDpSql(sql: string, schema: SqlSchema, dialect: SqlDialect, options: DpSqlOptions, salt = 0n): DpSqlExplanation {
  edgeString(sql, 'sql');
  edgeRecord(schema, 'schema');
  edgeRecord(options, 'options');
  const plan = planDpQuery(sql, schema);
  const split = splitDpBudget(plan, options);
  checkFiniteRelease(plan, split);
  const intervalShare = readIntervalShare(options);
  const compiled = compileDpQuery(plan, dialect, salt, schema);
  // The same checks runDpSql makes before its charge: every output's release parameters, and the measurement's map
  // equals the split's statement. (runDpSql also refuses a confidence outside (0, 1) first.)
  planReleases(plan, split, compiled, options.confidence ?? 0.95, intervalShare);
  planBoundingReport(split, options.confidence ?? 0.95);
  dpSqlMeasurement(plan, split);
  const p = plan.privacy;
  const text = [
    `dialect: ${dialect.name}`,
    `privacy unit: ${p.rowLevel ? 'each row (row-level)' : `${plan.sources[(p.unit as { source: number }).source]?.alias}.${(p.unit as { column: string }).column}`}`,
    `bounding: maxPartitions=${p.maxPartitions}, maxContributionsPerPartition=${p.maxContributionsPerPartition}; noise calibrated for ${split.partitions} partition(s) per unit`,
    `group keys: ${plan.groupBy.length === 0 ? '(none)' : plan.groupBy.map((k) => `${k.name} (${k.categories ? `${k.categories.length} declared` : 'DP partition selection'})`).join(', ')}`,
    `noise: ${split.noise === 'gaussian' ? `discrete Gaussian, ρ=${fmtAmount(split.rho ?? Rational.ZERO)} (zCDP, charged as ρ: the ledger converts its total once against the (ε, δ) cap)` : 'discrete Laplace (pure ε per output)'}`,
    `charge: ε=${fmtAmount(split.charge.epsilon)}, δ=${fmtAmount(split.charge.delta)}, ρ=${fmtAmount(split.charge.rho)}`,
    'budget split:',
    ...describeSplit(plan, split, compiled, intervalShare),
    'rewritten SQL:',
    `  ${inlineParams(compiled.main.sql, compiled.main.params)}`,
    ...compiled.histograms.map((h) => `  ${inlineParams(h.sql, h.params)}`),
  ].join('\n');
  return { plan, compiled, split, text };
}
