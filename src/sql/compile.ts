/**
 * The dialect compiler: turns a `QueryPlan` into SQL that does the heavy work
 * inside the engine — per-unit contribution bounding, clamping, exact
 * fixed-point aggregation per group — and returns one row per group. Noise,
 * partition selection and intervals are added afterwards in TypeScript.
 *
 * The statements of one query (the main statement and its histograms), whose row-level and unit-level shapes share
 * the FROM/WHERE/unit-row builders and the fixed-point grid; the sensitivity argument of `compile.proof.md` reads
 * them side by side. Row expressions (`compile-expr.ts`), the compiled query's types and the dialect-compiler
 * registry (`compiled-query.ts`), the shared walk over the outputs (`aggregate-inputs.ts`), joins and the bounding
 * report are apart.
 *
 * Shapes (identifiers quoted by us, every literal a bind parameter):
 * - **row-level** (each row its own unit): one `GROUP BY` over the rows, with
 *   clamped values summed on a public fixed-point grid. No window at all.
 * - **unit-level**: pre-aggregate per (unit, group) — counts capped at
 *   `maxContributionsPerPartition` (C); a unit's sum of n > C values weighted
 *   to C values (`scaledToCap`: C times its mean) and clamped to C times the
 *   per-row bound — then keep at most `maxPartitions` (P) groups per unit by
 *   `ROW_NUMBER()` over that small table, ordered by a hash salted with a
 *   per-query CSPRNG value, then aggregate. Weighting per-unit sums instead of
 *   sampling C rows gives the same sensitivity (C per count, C·M per sum)
 *   without a window over the rows, and sums and counts describe the same
 *   values (compile.proof.md "Contribution bounding").
 * Quantiles read a per-group histogram of the clamped values from a second
 * statement; with units, each unit's C contributions per group are taken
 * bin by bin in the same salted order.
 * @module
 */

import { DpError } from '../core/errors.js';
import { BLANK_UNIT_PATTERN } from '../core/missing-unit.js';
import { edgeRecord } from '../numeric/edge.js';
import { aggregateInputs } from './aggregate-inputs.js';
import {
  atMost,
  clamp,
  compileCondition,
  compileDouble,
  compileExpr,
  compileTyped,
  type Env,
  forms,
  isTextColumn,
  keyOutput,
  Params,
  q,
} from './compile-expr.js';
import { type CompiledDpQuery, dialectCompiler, type HistogramStatement, type LinearUnits } from './compiled-query.js';
import { checkDeclaredHistogramRows, declaredKeyFilter } from './declared-keys.js';
import type { SqlDialect } from './dialect.js';
import type { PlanExpr, PlanMeasure, QueryPlan } from './plan.js';
import { binOffsetSql, type QuantileGrid, streamsQuantiles } from './quantile-grid.js';
import { scaledToCap } from './scaled-to-cap.js';
import type { SqlSchema } from './schema.js';
import { checkKeyTextBytes } from './text-bounds.js';

// The compiled query's types and the dialect-compiler registry, and the shared walk over the outputs, live apart
// (one concept each); importers keep this path.
export { type AggregateColumns, aggregateInputs } from './aggregate-inputs.js';
export {
  type CompiledDpQuery,
  type DialectCompiler,
  dialectCompiler,
  type HistogramStatement,
  type LinearUnits,
  type OutputInputs,
  registerDialectCompiler,
} from './compiled-query.js';

export { MAX_INTEGER_QUANTILE_BINS, QUANTILE_BINS, type QuantileGrid, quantileGrid } from './quantile-grid.js';

interface Grid {
  readonly shift: number;
  readonly inverse: number;
  readonly maxUnits: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * Per-row grid units of a clamped measure: `round((clamp(x) − shift) / g)`.
 * Integer-valued measures on an integer-aligned grid use exact integer
 * arithmetic; others clamp and round in double precision (monotone, so every
 * row's units lie in [−maxUnits, maxUnits] whatever the rounding rule).
 */
function rowUnits(env: Env, m: PlanMeasure, grid: Grid): string {
  const linear = linearUnits(env, m, grid);
  if (linear) {
    const times = grid.inverse === 1 ? linear.clamped : `${linear.clamped} * ${env.p.int(grid.inverse)}`;
    return grid.shift === 0 ? times : `(${times} - ${env.p.int(grid.shift * grid.inverse)})`;
  }
  const clamped = clamp(compileDouble(env, m.expr), env.p.dbl(grid.lower), env.p.dbl(grid.upper));
  const shifted = grid.shift === 0 ? clamped : `(${clamped} - ${env.p.dbl(grid.shift)})`;
  return `CAST(ROUND(${flushBelow(env, shifted, grid.inverse)} * ${env.p.dbl(grid.inverse)}) AS ${env.d.typeName('bigint')})`;
}

/**
 * For an integer-valued measure on an integer-aligned grid, units are linear
 * in the clamped integer value: units = v·inverse − shift·inverse. Sums of
 * units then follow exactly from SUM(v) and COUNT(v), so the engine clamps
 * once per row and multiplies once per group (or per unit and group).
 */
function linearUnits(env: Env, m: PlanMeasure, grid: Grid): { clamped: string; inverse: number; offset: number } | null {
  const ok =
    m.integral &&
    grid.inverse >= 1 &&
    Number.isSafeInteger(grid.shift * grid.inverse) &&
    Number.isSafeInteger(Math.max(Math.abs(grid.lower), Math.abs(grid.upper)) * grid.inverse);
  if (!ok) return null;
  const typed = compileTyped(env, m.expr);
  const expr = typed.sql;
  const lo = env.p.int(Math.ceil(grid.lower));
  const hi = env.p.int(Math.floor(grid.upper));
  const big = env.d.typeName('bigint');
  // A bare column is clamped with CASE (cheaper than LEAST/GREATEST in DuckDB); NULL stays NULL,
  // NaN compares greater than everything in both engines and becomes the upper bound.
  const clamped =
    m.expr.kind === 'column' && typed.type === 'integer'
      ? `CAST(CASE WHEN ${expr} < ${lo} THEN ${lo} WHEN ${expr} > ${hi} THEN ${hi} ELSE ${expr} END AS ${big})`
      : `CAST(${clamp(compileDouble(env, m.expr), lo, hi)} AS ${big})`;
  return { clamped, inverse: grid.inverse, offset: grid.shift * grid.inverse };
}

/**
 * `x` with magnitudes below 1e-300/factor flushed to 0 before it is multiplied by `factor`: PostgreSQL raises
 * "value out of range: underflow" when a non-zero product rounds to 0, an error only some rows would cause.
 * Such products are below 1e-300, so they round (and floor, for |x| ≥ 0) to 0 anyway: the result is unchanged.
 */
function flushBelow(env: Env, x: string, factor: number): string {
  const tiny = 1e-300 / factor;
  if (!(tiny > 0)) return x;
  return `(CASE WHEN ABS(${x}) < ${env.p.dbl(tiny)} THEN ${env.p.dbl(0)} ELSE ${x} END)`;
}

/** A per-row integer measure in [0, bins) for quantile histograms (the bin rule: quantile-grid.ts). */
function rowBin(env: Env, m: PlanMeasure, grid: QuantileGrid): string {
  const clamped = clamp(compileDouble(env, m.expr), env.p.dbl(grid.bounds[0]), env.p.dbl(grid.bounds[1]));
  const bin = binOffsetSql(clamped, grid, (x) => env.p.dbl(x));
  return atMost(`CAST(${bin} AS ${env.d.typeName('bigint')})`, env.p.int(grid.bins - 1));
}

/** The FROM clause with its joins (shared by every statement of one query, so they read the same rows). */
export function fromClause(env: Env): string {
  const { plan } = env;
  const first = plan.sources[0];
  if (!first) throw new DpError('INTERNAL', 'plan without sources');
  let sql = `${q(env, first.table)} AS ${q(env, first.alias)}`;
  for (const j of plan.joins) {
    const s = plan.sources[j.source];
    if (!s) throw new DpError('INTERNAL', 'unknown join source');
    sql += ` ${j.type === 'left' ? 'LEFT JOIN' : 'JOIN'} ${q(env, s.table)} AS ${q(env, s.alias)} ON ${compileCondition(env, j.on)}`;
  }
  return sql;
}

/**
 * The WHERE clause (with an optional extra condition). Every statement's rows pass it, so each also keeps only the
 * declared values of its declared GROUP BY keys, before any bounding (review S65: `declaredKeyFilter`, declared-keys.ts).
 */
export function whereClause(env: Env, extra?: string): string {
  const parts = [env.plan.where ? compileCondition(env, env.plan.where) : undefined, declaredKeyFilter(env), extra].filter(
    (x): x is string => x !== undefined,
  );
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

/**
 * The unit and WHERE clause of a unit-level statement's rows (review S25, class 18 "people merged into one unit").
 * A row whose unit identifies no one — NULL, the empty string of a text unit (a blank field of a file), NaN or ±∞
 * of a float unit — is not a unit: bounded, every such row would be ONE unit (SQL groups and partitions all NULLs together, and the salted
 * hash of NULL is NULL, so the key order picks the kept groups), and one more such row would move the counts by
 * 2·C. Such rows are dropped in every unit-level statement (main, histogram, bounding report); rule in
 * compile.proof.md "Rows without a unit".
 * @param env - the compile environment (unit-level plan).
 * @returns the unit's SQL and the WHERE clause that keeps only rows with a unit.
 */
export function unitRows(env: Env): { readonly unit: string; readonly where: string } {
  const typed = compileTyped(env, env.plan.privacy.unit as PlanExpr);
  const u = typed.sql;
  const present =
    typed.type === 'text'
      ? `${u} IS NOT NULL AND NOT ${env.d.regexFullMatch(u, BLANK_UNIT_PATTERN)}` // S25c: core/missing-unit.ts
      : typed.type === 'double' // NaN (and ±∞) identify no one; |NaN| ≤ max is false on every dialect.
        ? `${u} IS NOT NULL AND ${forms(env).abs(env, u)} <= ${env.p.dbl(Number.MAX_VALUE)}`
        : `${u} IS NOT NULL`;
  return { unit: typed.sql, where: whereClause(env, `(${present})`) };
}

/**
 * Compiles a plan for a dialect.
 * @param plan - the checked plan.
 * @param dialect - the target dialect.
 * @param salt - a per-query random value from the CSPRNG (orders contributions for bounding).
 * @param schema - the schema the plan was checked against: its column types give every expression a static type, which the total conversions need (compile.proof.md).
 * @returns the statements and where each output's exact inputs are.
 * @throws DpError INTERNAL on an inconsistent plan.
 * @example
 * const compiled = compileDpQuery(plan, duckdbDialect, 12345n, schema);
 */
export function compileDpQuery(plan: QueryPlan, dialect: SqlDialect, salt: bigint, schema: SqlSchema): CompiledDpQuery {
  edgeRecord(plan, 'plan');
  edgeRecord(plan.privacy, 'plan.privacy');
  edgeRecord(dialect, 'dialect');
  edgeRecord(schema, 'schema');
  // Review S59 (text-bounds.ts, rule 3): the unit and the keys (the salted order's concatenation, the result row)
  // stay within a public byte bound on every dialect, or the query is refused here, before the charge.
  const unitExpr = plan.privacy.rowLevel ? [] : [plan.privacy.unit as PlanExpr];
  checkKeyTextBytes([...unitExpr, ...plan.groupBy.map((k) => k.expr)], isTextColumn({ plan, schema }));
  // Review S65: with every key declared, the histogram rows are bounded by a public number, checked here (before the charge).
  checkDeclaredHistogramRows(plan);
  // A dialect with its own statement shapes (ClickHouse) compiles the plan itself, into the same outputs.
  const own = dialectCompiler(dialect);
  if (own) return own.compileDpQuery(plan, salt, schema);
  const env: Env = { plan, d: dialect, p: new Params(dialect), schema };
  const { rowLevel, maxPartitions: P, maxContributionsPerPartition: C } = plan.privacy;
  const keyNames = plan.groupBy.map((_, i) => `k${i}`);
  const typedKeys = plan.groupBy.map((k) => compileTyped(env, k.expr));
  // Every key through its total output conversion (dates as guarded text…): the driver can represent every value.
  const keyExprs = typedKeys.map((k) => keyOutput(env, k));
  const wide = dialect.typeName('wide');

  // Column lists: per row (unit-level CTE), per unit, final.
  const rowCols: string[] = [];
  const unitCols: string[] = [];
  const finalCols: string[] = [];
  const seen = new Map<string, string>();
  /** The key of COUNT(e), shared by `countValues` and the per-unit count a linear mean reuses. */
  const valuesKey = (e: PlanExpr) => `values:${JSON.stringify(e)}`;
  const counters = new Map<string, number>();
  const fresh = (prefix: string) => {
    const n = counters.get(prefix) ?? 0;
    counters.set(prefix, n + 1);
    return `${prefix}${n}`;
  };
  /** Per sum key (unit-level): its per-unit count-of-values column. */
  const unitCounts = new Map<string, string>();
  /** Adds an exact per-group aggregate; `perRow` is the row value, `combine` how a unit's rows combine. */
  const addAggregate = (
    key: string,
    perRow: string | null,
    rowAgg: (v: string) => string,
    unitAgg: (v: string) => string,
    final: (u: string, n: string) => string,
    count: 'none' | 'new' | { readonly reuse: string } = 'none',
  ): string => {
    const hit = seen.get(key);
    if (hit) return hit;
    const name = fresh('a');
    seen.set(key, name);
    if (rowLevel) {
      // No CAST AS wide (stop 19, server's statement shape): every row-level aggregate is COUNT (BIGINT) or SUM of a
      // BIGINT (HUGEINT in DuckDB, numeric in PostgreSQL), already exact; the CAST was the identity.
      finalCols.push(`${rowAgg(perRow ?? '*')} AS ${q(env, name)}`);
    } else {
      let v = '*';
      if (perRow !== null) {
        v = q(env, fresh('v'));
        rowCols.push(`${perRow} AS ${v}`);
      }
      const u = q(env, fresh('u'));
      unitCols.push(`${unitAgg(v)} AS ${u}`);
      // A sum also carries its unit's count of values: `final` weights the sum to C values with it (`scaledToCap`).
      // A variance's Σ units² reuses the count of its Σ units (the same rows are NULL).
      let n = '';
      if (count === 'new') {
        n = q(env, fresh('u'));
        unitCols.push(`COUNT(${v}) AS ${n}`);
        unitCounts.set(key, n);
      } else if (count !== 'none') n = count.reuse;
      finalCols.push(`CAST(${final(u, n)} AS ${wide}) AS ${q(env, name)}`);
    }
    return name;
  };
  const cap = (u: string) => `SUM(LEAST(${u}, ${env.p.int(C)}))`;
  /** A unit's sum `s` of `n` values in one group, weighted to C values when n > C (`scaledToCap`). */
  const toCap = (s: string, n: string, bound: bigint) => scaledToCap(dialect, (v) => env.p.int(v), s, n, C, bound);
  // Row-level, COUNT(*) is the `units` column itself (each row its own unit): read once, not computed twice.
  const countRows = () =>
    rowLevel
      ? 'units'
      : addAggregate(
          'rows',
          null,
          () => 'COUNT(*)',
          () => 'COUNT(*)',
          cap,
        );
  const countValues = (e: PlanExpr) =>
    addAggregate(
      valuesKey(e),
      compileExpr(env, e),
      (v) => `COUNT(${v})`,
      (v) => `COUNT(${v})`,
      cap,
    );
  /** Per unit and group: Σ `perRow` and the count of its values, the sum weighted to C values (`toCap`) and clamped. */
  const unitSum = (key: string, perRow: string, maxPerRow: bigint, nonNegative: boolean, countOf?: string) =>
    addAggregate(
      key,
      perRow,
      (v) => `SUM(${v})`,
      (v) => `SUM(${v})`,
      (u, n) => {
        const bound = BigInt(C) * maxPerRow;
        return `SUM(${clamp(toCap(u, n, bound), env.p.int(nonNegative ? 0n : -bound), env.p.int(bound))})`;
      },
      countOf === undefined ? 'new' : { reuse: countOf },
    );

  /**
   * Sum of grid units through the linear form: SUM(clamped)·inverse − COUNT(x)·offset
   * (per group in row-level mode; per unit and group, then clamped, otherwise).
   */
  const linearSum = (
    key: string,
    m: PlanMeasure,
    g: Grid & { maxUnits: number },
    withCount = false,
  ): string | { units: string; linear: LinearUnits } | null => {
    const lin = linearUnits(env, m, g);
    if (!lin) return null;
    if (rowLevel) {
      // The SUM of the clamped integers and their COUNT as plain columns; the release applies the public affine map
      // in BigInt (`LinearUnits`). The rows bounded are the same (the clamp text is unchanged), only where the exact
      // product is taken moves: no HUGEINT overflow error, no CAST.
      const count = lin.offset === 0 ? undefined : countValues(m.expr);
      const sumKey = `linear:${key}`;
      const hitSum = seen.get(sumKey);
      const units = hitSum ?? fresh('a');
      if (hitSum === undefined) {
        seen.set(sumKey, units);
        finalCols.push(`SUM(${lin.clamped}) AS ${q(env, units)}`);
      }
      if (lin.inverse === 1 && count === undefined) return units;
      return { units, linear: { ...(count === undefined ? {} : { count }), inverse: lin.inverse, offset: lin.offset } };
    }
    const hit = seen.get(key);
    if (hit) return hit;
    const name = fresh('a');
    seen.set(key, name);
    const inv = lin.inverse === 1 ? '' : ` * ${env.p.int(lin.inverse)}`;
    const v = q(env, fresh('v'));
    rowCols.push(`${lin.clamped} AS ${v}`);
    const su = q(env, fresh('u'));
    const nu = q(env, fresh('u'));
    unitCols.push(`SUM(${v}) AS ${su}`, `COUNT(${v}) AS ${nu}`);
    // The per-unit count of values is here already: a mean's count reuses it instead of carrying the raw column again.
    const countKey = valuesKey(m.expr);
    if (withCount && !seen.has(countKey)) {
      const countName = fresh('a');
      seen.set(countKey, countName);
      finalCols.push(`CAST(${cap(nu)} AS ${wide}) AS ${q(env, countName)}`);
    }
    // The count is widened too: COUNT × offset in BIGINT would overflow (an engine error, a data-dependent signal) past ~2³¹ rows.
    const perUnit = `CAST(${su} AS ${wide})${inv}${lin.offset === 0 ? '' : ` - CAST(${nu} AS ${wide}) * ${env.p.int(lin.offset)}`}`;
    const bound = BigInt(C) * BigInt(g.maxUnits);
    finalCols.push(`CAST(SUM(${clamp(toCap(perUnit, nu, bound), env.p.int(-bound), env.p.int(bound))}) AS ${wide}) AS ${q(env, name)}`);
    return name;
  };

  const { inputs, histograms } = aggregateInputs(
    plan,
    {
      unitsColumn: 'units',
      rows: countRows,
      values: countValues,
      sum: (key, m, g, of) => linearSum(key, m, g, of === 'mean') ?? unitSum(key, rowUnits(env, m, g), BigInt(g.maxUnits), false),
      moments: (key, m, g) => {
        const d = rowUnits(env, m, g);
        const units = unitSum(key, d, BigInt(g.maxUnits), false);
        const squares = unitSum(`${key}:sq`, `(${d}) * (${d})`, BigInt(g.maxUnits) * BigInt(g.maxUnits), true, unitCounts.get(key));
        return { units, squares };
      },
      histogram: (m, grid) => compileHistogram(plan, dialect, salt, m, grid, schema),
    },
    streamsQuantiles(dialect),
  );

  const qk = keyNames.map((k) => q(env, k));
  const from = fromClause(env);
  let sql: string;
  if (rowLevel) {
    const select = [...keyExprs.map((e, i) => `${e} AS ${qk[i]}`), `COUNT(*) AS ${q(env, 'units')}`, ...finalCols];
    sql = `SELECT ${select.join(', ')} FROM ${from}${whereClause(env)}${keyExprs.length ? ` GROUP BY ${keyExprs.join(', ')}` : ''}`;
  } else {
    const { unit, where } = unitRows(env);
    const U = q(env, 'unit');
    const rows = `SELECT ${[`${unit} AS ${U}`, ...keyExprs.map((e, i) => `${e} AS ${qk[i]}`), ...rowCols].join(', ')} FROM ${from}${where}`;
    const perUnit = `SELECT ${[U, ...qk, ...unitCols].join(', ')} FROM ${q(env, 'tsdp_rows')} GROUP BY ${[U, ...qk].join(', ')}`;
    const finalSelect = `SELECT ${[...qk, `CAST(COUNT(*) AS ${wide}) AS ${q(env, 'units')}`, ...finalCols].join(', ')}`;
    if (qk.length === 0) {
      sql = `WITH ${q(env, 'tsdp_rows')} AS (${rows}), ${q(env, 'tsdp_per_unit')} AS (${perUnit}) ${finalSelect} FROM ${q(env, 'tsdp_per_unit')}`;
    } else {
      const order = `${dialect.saltedHash([U, ...qk], env.p.own('salt', salt, 'bigint'))}, ${qk.join(', ')}`;
      const bounded = `SELECT *, ROW_NUMBER() OVER (PARTITION BY ${U} ORDER BY ${order}) AS ${q(env, 'rn')} FROM ${q(env, 'tsdp_per_unit')}`;
      sql =
        `WITH ${q(env, 'tsdp_rows')} AS (${rows}), ${q(env, 'tsdp_per_unit')} AS (${perUnit}), ${q(env, 'tsdp_bounded')} AS (${bounded}) ` +
        `${finalSelect} FROM ${q(env, 'tsdp_bounded')} WHERE ${q(env, 'rn')} <= ${env.p.int(P)} GROUP BY ${qk.join(', ')}`;
    }
  }
  return Object.freeze({
    dialect: dialect.name,
    main: Object.freeze(env.p.finish(sql)),
    keyColumns: Object.freeze(keyNames),
    keyTypes: Object.freeze(typedKeys.map((k) => k.type)),
    unitsColumn: 'units',
    inputs: Object.freeze(inputs),
    histograms: Object.freeze(histograms),
  });
}

/** The histogram statement of one quantile measure. */
function compileHistogram(
  plan: QueryPlan,
  dialect: SqlDialect,
  salt: bigint,
  m: PlanMeasure,
  grid: QuantileGrid,
  schema: SqlSchema,
): HistogramStatement {
  const env: Env = { plan, d: dialect, p: new Params(dialect), schema };
  const { rowLevel, maxPartitions: P, maxContributionsPerPartition: C } = plan.privacy;
  const keyExprs = plan.groupBy.map((k) => keyOutput(env, compileTyped(env, k.expr)));
  const qk = plan.groupBy.map((_, i) => q(env, `k${i}`));
  const B = q(env, 'bin');
  const N = q(env, 'n');
  const wide = dialect.typeName('wide');
  const bin = rowBin(env, m, grid);
  const from = fromClause(env);
  let sql: string;
  if (rowLevel) {
    const binned = `SELECT ${[...keyExprs.map((e, i) => `${e} AS ${qk[i]}`), `${bin} AS ${B}`].join(', ')} FROM ${from}${whereClause(env)}`;
    sql = `SELECT ${[...qk, B, `CAST(COUNT(*) AS ${wide}) AS ${N}`].join(', ')} FROM (${binned}) AS ${q(env, 'tsdp_binned')} WHERE ${B} IS NOT NULL GROUP BY ${[...qk, B].join(', ')}`;
  } else {
    const U = q(env, 'unit');
    const { unit, where } = unitRows(env);
    const rows = `SELECT ${[`${unit} AS ${U}`, ...keyExprs.map((e, i) => `${e} AS ${qk[i]}`), `${bin} AS ${B}`].join(', ')} FROM ${from}${where}`;
    const per = `SELECT ${[U, ...qk, B, `COUNT(*) AS ${N}`].join(', ')} FROM ${q(env, 'tsdp_rows')} WHERE ${B} IS NOT NULL GROUP BY ${[U, ...qk, B].join(', ')}`;
    const cum = q(env, 'cum');
    const gr = q(env, 'gr');
    const saltParam = env.p.own('salt', salt, 'bigint');
    const rank = qk.length
      ? `, DENSE_RANK() OVER (PARTITION BY ${U} ORDER BY ${dialect.saltedHash([U, ...qk], saltParam)}, ${qk.join(', ')}) AS ${gr}`
      : '';
    const cumulative = `SUM(${N}) OVER (PARTITION BY ${[U, ...qk].join(', ')} ORDER BY ${dialect.saltedHash([U, B], saltParam)}, ${B} ROWS UNBOUNDED PRECEDING) AS ${cum}`;
    const ranked = `SELECT *, ${cumulative}${rank} FROM ${q(env, 'tsdp_per_unit')}`;
    const cParam = env.p.int(C);
    const keep = `${cum} - ${N} < ${cParam}${qk.length ? ` AND ${gr} <= ${env.p.int(P)}` : ''}`;
    sql =
      `WITH ${q(env, 'tsdp_rows')} AS (${rows}), ${q(env, 'tsdp_per_unit')} AS (${per}), ${q(env, 'tsdp_ranked')} AS (${ranked}) ` +
      `SELECT ${[...qk, B, `CAST(SUM(LEAST(${N}, ${cParam} - (${cum} - ${N}))) AS ${wide}) AS ${N}`].join(', ')} FROM ${q(env, 'tsdp_ranked')} WHERE ${keep} GROUP BY ${[...qk, B].join(', ')}`;
  }
  if (grid.streamed) {
    // Ordered by (group, bin): each group's bins arrive in increasing order, as a streamed pass reads them.
    sql = `SELECT * FROM (${sql}) AS ${q(env, 'tsdp_hist')} ORDER BY ${[...qk, B].join(', ')}`;
    return Object.freeze({ ...env.p.finish(sql), bins: grid.bins, streamed: true as const });
  }
  return Object.freeze({ ...env.p.finish(sql), bins: grid.bins });
}
