/**
 * The dialect compiler: turns a `QueryPlan` into SQL that does the heavy work
 * inside the engine — per-unit contribution bounding, clamping, exact
 * fixed-point aggregation per group — and returns one row per group. Noise,
 * partition selection and intervals are added afterwards in TypeScript.
 *
 * Shapes (identifiers quoted by us, every literal a bind parameter):
 * - **row-level** (each row its own unit): one `GROUP BY` over the rows, with
 *   clamped values summed on a public fixed-point grid. No window at all.
 * - **unit-level**: pre-aggregate per (unit, group) — counts capped at
 *   `maxContributionsPerPartition` (C) and per-unit sums clamped to C times the
 *   per-row bound — then keep at most `maxPartitions` (P) groups per unit by
 *   `ROW_NUMBER()` over that small table, ordered by a hash salted with a
 *   per-query CSPRNG value, then aggregate. Capping per-unit counts and sums
 *   instead of sampling C rows gives the same sensitivity (C per count, C·M per
 *   sum) without a window over the rows.
 * Quantiles read a per-group histogram of the clamped values from a second
 * statement; with units, each unit's C contributions per group are taken
 * bin by bin in the same salted order.
 * @module
 */
import { DpError } from '../core/errors.js';
import { meanGrid, sumGrid, varianceGrid } from '../stats/fixed-point-grid.js';
import type { CompiledStatement, SqlDialect, SqlParam, SqlParamType } from './dialect.js';
import type { PlanExpr, PlanMeasure, QueryPlan } from './plan.js';

/** How to read one aggregate output's exact inputs from the main result row. */
export type OutputInputs =
  | { readonly kind: 'count'; readonly count: string }
  | { readonly kind: 'sum'; readonly units: string; readonly bounds: readonly [number, number] }
  | { readonly kind: 'mean'; readonly count: string; readonly units: string; readonly bounds: readonly [number, number] }
  | {
      readonly kind: 'variance';
      readonly count: string;
      readonly units: string;
      readonly squares: string;
      readonly bounds: readonly [number, number];
    }
  | { readonly kind: 'quantile'; readonly histogram: number; readonly bounds: readonly [number, number] };

/** A histogram statement for one quantile output: rows (keys…, bin, count). */
export interface HistogramStatement extends CompiledStatement {
  readonly bins: number;
}

/** The compiled form of a plan for one dialect. */
export interface CompiledDpQuery {
  readonly dialect: string;
  /** The main statement: one row per group with the key columns, `units` and the exact aggregates. */
  readonly main: CompiledStatement;
  /** The result column names of the group keys, in GROUP BY order. */
  readonly keyColumns: readonly string[];
  /** The column holding the number of distinct units per group (after bounding). */
  readonly unitsColumn: string;
  /** Per output (index of `plan.outputs`), where its exact inputs are; null for key and derived outputs. */
  readonly inputs: readonly (OutputInputs | null)[];
  /** One histogram statement per quantile output. */
  readonly histograms: readonly HistogramStatement[];
}

/** Bins of a quantile histogram (public). */
export const QUANTILE_BINS = 256;

class Params {
  readonly list: SqlParam[] = [];
  private readonly markers = new Map<string, string>();
  constructor(private readonly dialect: SqlDialect) {}
  /** A marker for `value`; equal values share one parameter, so equal expressions stay textually equal (the engine computes them once). */
  add(value: SqlParam['value'], type: SqlParamType): string {
    const key = `${type}:${typeof value}:${String(value)}`;
    const hit = this.markers.get(key);
    if (hit) return hit;
    this.list.push({ value, type });
    const marker = this.dialect.parameter(this.list.length, type);
    this.markers.set(key, marker);
    return marker;
  }
  int(v: number | bigint): string {
    return this.add(typeof v === 'bigint' ? v : BigInt(v), 'bigint');
  }
  dbl(v: number): string {
    return this.add(v, 'double');
  }
}

interface Env {
  readonly plan: QueryPlan;
  readonly d: SqlDialect;
  readonly p: Params;
}

function q(env: Env, name: string): string {
  return env.d.quoteIdentifier(name);
}

function literal(env: Env, v: number | string | boolean | null): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? env.p.int(v) : env.p.dbl(v);
  if (typeof v === 'boolean') return env.p.add(v, 'boolean');
  return env.p.add(v, 'text');
}

/** `x` clamped to [lo, hi] in SQL: `LEAST(GREATEST(x, lo), hi)`. */
function clamp(x: string, lo: string, hi: string): string {
  return `LEAST(GREATEST(${x}, ${lo}), ${hi})`;
}

/**
 * Row arithmetic that can never raise an engine error. In double precision,
 * PostgreSQL still raises "value out of range" on overflow and on underflow
 * (a non-zero product or quotient that rounds to 0) and "division by zero":
 * errors only some rows cause, a per-person oracle (`WHERE id = 42 AND
 * x * 1e308 > 1`). So operands are saturated to ±1e150 (or ±1e300 for + and
 * −), magnitudes below 1e-150 are flushed to 0 before × and ÷, and ÷ by
 * (nearly) zero gives NULL, as does % by zero. Then |a·b| and |a/b| lie in
 * [1e-300, 1e300] or are exactly 0, inside the double range. The same SQL runs
 * on every dialect, so the engines agree. NaN compares above every number in
 * PostgreSQL, so it saturates to the top.
 */
function safeArithmetic(env: Env, op: '+' | '-' | '*' | '/' | '%', left: string, right: string): string {
  const big = env.p.dbl(op === '+' || op === '-' ? 1e300 : 1e150);
  const negBig = env.p.dbl(op === '+' || op === '-' ? -1e300 : -1e150);
  const sat = (x: string) => clamp(x, negBig, big);
  if (op === '+' || op === '-') return `(${sat(left)} ${op} ${sat(right)})`;
  const tiny = env.p.dbl(1e-150);
  const zero = env.p.dbl(0);
  const flushed = (x: string) => `CASE WHEN ABS(${x}) < ${tiny} THEN ${zero} ELSE ${sat(x)} END`;
  if (op === '*') return `(${flushed(left)} * ${flushed(right)})`;
  if (op === '/') return `(CASE WHEN ABS(${right}) < ${tiny} THEN NULL ELSE ${flushed(left)} / ${sat(right)} END)`;
  // x % y keeps |x % y| < |y| and needs no flush; only a zero divisor errors.
  return `(CASE WHEN ${right} = ${zero} THEN NULL ELSE ${sat(left)} % ${sat(right)} END)`;
}

/** Compiles a row expression. */
export function compileExpr(env: Env, e: PlanExpr): string {
  const r = (x: PlanExpr) => compileExpr(env, x);
  const dbl = (x: PlanExpr) => `CAST(${r(x)} AS ${env.d.typeName('double')})`;
  switch (e.kind) {
    case 'column': {
      const s = env.plan.sources[e.source];
      if (!s) throw new DpError('INTERNAL', 'unknown source');
      return `${q(env, s.alias)}.${q(env, e.column)}`;
    }
    case 'literal':
      return literal(env, e.value);
    case 'unary':
      return e.op === '-' ? `(-${dbl(e.arg)})` : `(NOT ${r(e.arg)})`;
    case 'binary':
      switch (e.op) {
        case '+':
        case '-':
        case '*':
        case '/':
        case '%':
          return safeArithmetic(env, e.op, dbl(e.left), dbl(e.right));
        case '||':
          return `(CAST(${r(e.left)} AS ${env.d.typeName('varchar')}) || CAST(${r(e.right)} AS ${env.d.typeName('varchar')}))`;
        default:
          return `(${r(e.left)} ${e.op} ${r(e.right)})`;
      }
    case 'in':
      return `(${r(e.arg)} ${e.negated ? 'NOT IN' : 'IN'} (${e.list.map(r).join(', ')}))`;
    case 'between':
      return `(${r(e.arg)} ${e.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${r(e.low)} AND ${r(e.high)})`;
    case 'isNull':
      return `(${r(e.arg)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
    case 'case':
      return `CASE ${e.whens.map((w) => `WHEN ${r(w.condition)} THEN ${r(w.result)}`).join(' ')}${e.otherwise ? ` ELSE ${r(e.otherwise)}` : ''} END`;
    case 'cast':
      if (e.to === 'integer') {
        // Saturate into the BIGINT range first: PostgreSQL raises "bigint out of range" for NaN, ±Infinity and
        // |x| ≥ 2⁶³, an error only some rows would cause. NaN compares above everything, so it becomes the top.
        const inRange = clamp(`ROUND(${dbl(e.arg)})`, env.p.dbl(-(2 ** 63)), env.p.dbl(2 ** 63 - 1024));
        return env.d.safeCast(inRange, 'bigint');
      }
      return env.d.safeCast(r(e.arg), e.to);
    case 'func': {
      const name = env.d.functionName(e.name);
      if (e.name === 'sqrt') return `${name}(GREATEST(${dbl(e.args[0] as PlanExpr)}, 0))`;
      // In double precision: ABS of the smallest BIGINT overflows, an error only a row holding it would cause.
      if (e.name === 'abs') return `${name}(${dbl(e.args[0] as PlanExpr)})`;
      return `${name}(${e.args.map(r).join(', ')})`;
    }
    default: {
      const never: never = e;
      throw new DpError('INTERNAL', `unknown expression ${JSON.stringify(never)}`);
    }
  }
}

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
  const expr = compileExpr(env, m.expr);
  const clamped = clamp(`CAST(${expr} AS ${env.d.typeName('double')})`, env.p.dbl(grid.lower), env.p.dbl(grid.upper));
  const shifted = grid.shift === 0 ? clamped : `(${clamped} - ${env.p.dbl(grid.shift)})`;
  return `CAST(ROUND(${shifted} * ${env.p.dbl(grid.inverse)}) AS ${env.d.typeName('bigint')})`;
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
  const expr = compileExpr(env, m.expr);
  const lo = env.p.int(Math.ceil(grid.lower));
  const hi = env.p.int(Math.floor(grid.upper));
  const big = env.d.typeName('bigint');
  // A bare column is clamped with CASE (cheaper than LEAST/GREATEST in DuckDB); NULL stays NULL,
  // NaN compares greater than everything in both engines and becomes the upper bound.
  const clamped =
    m.expr.kind === 'column'
      ? `CAST(CASE WHEN ${expr} < ${lo} THEN ${lo} WHEN ${expr} > ${hi} THEN ${hi} ELSE ${expr} END AS ${big})`
      : `CAST(${clamp(`CAST(${expr} AS ${env.d.typeName('double')})`, lo, hi)} AS ${big})`;
  return { clamped, inverse: grid.inverse, offset: grid.shift * grid.inverse };
}

/** A per-row integer measure in [0, bins) for quantile histograms. */
function rowBin(env: Env, m: PlanMeasure, bins: number): string {
  const expr = compileExpr(env, m.expr);
  const dbl = env.d.typeName('double');
  const clamped = clamp(`CAST(${expr} AS ${dbl})`, env.p.dbl(m.lower), env.p.dbl(m.upper));
  const width = bins / (m.upper - m.lower);
  return `LEAST(CAST(FLOOR((${clamped} - ${env.p.dbl(m.lower)}) * ${env.p.dbl(width)}) AS ${env.d.typeName('bigint')}), ${env.p.int(bins - 1)})`;
}

function fromClause(env: Env): string {
  const { plan } = env;
  const first = plan.sources[0];
  if (!first) throw new DpError('INTERNAL', 'plan without sources');
  let sql = `${q(env, first.table)} AS ${q(env, first.alias)}`;
  for (const j of plan.joins) {
    const s = plan.sources[j.source];
    if (!s) throw new DpError('INTERNAL', 'unknown join source');
    sql += ` ${j.type === 'left' ? 'LEFT JOIN' : 'JOIN'} ${q(env, s.table)} AS ${q(env, s.alias)} ON ${compileExpr(env, j.on)}`;
  }
  return sql;
}

function whereClause(env: Env, extra?: string): string {
  const parts = [env.plan.where ? compileExpr(env, env.plan.where) : undefined, extra].filter((x): x is string => x !== undefined);
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

/**
 * Compiles a plan for a dialect.
 * @param plan - the checked plan.
 * @param dialect - the target dialect.
 * @param salt - a per-query random value from the CSPRNG (orders contributions for bounding).
 * @returns the statements and where each output's exact inputs are.
 * @throws DpError INTERNAL on an inconsistent plan.
 * @example
 * const compiled = compileDpQuery(plan, duckdbDialect, 12345n);
 */
export function compileDpQuery(plan: QueryPlan, dialect: SqlDialect, salt: bigint): CompiledDpQuery {
  const env: Env = { plan, d: dialect, p: new Params(dialect) };
  const { rowLevel, maxPartitions: P, maxContributionsPerPartition: C } = plan.privacy;
  const keyNames = plan.groupBy.map((_, i) => `k${i}`);
  const keyExprs = plan.groupBy.map((k) => compileExpr(env, k.expr));
  const wide = dialect.typeName('wide');

  // Column lists: per row (unit-level CTE), per unit, final.
  const rowCols: string[] = [];
  const unitCols: string[] = [];
  const finalCols: string[] = [];
  const inputs: (OutputInputs | null)[] = [];
  const seen = new Map<string, string>();
  /** The key of COUNT(e), shared by `countValues` and the per-unit count a linear mean reuses. */
  const valuesKey = (e: PlanExpr) => `values:${JSON.stringify(e)}`;
  const counters = new Map<string, number>();
  const fresh = (prefix: string) => {
    const n = counters.get(prefix) ?? 0;
    counters.set(prefix, n + 1);
    return `${prefix}${n}`;
  };
  /** Adds an exact per-group aggregate; `perRow` is the row value, `combine` how a unit's rows combine. */
  const addAggregate = (
    key: string,
    perRow: string | null,
    rowAgg: (v: string) => string,
    unitAgg: (v: string) => string,
    final: (u: string) => string,
  ): string => {
    const hit = seen.get(key);
    if (hit) return hit;
    const name = fresh('a');
    seen.set(key, name);
    if (rowLevel) {
      finalCols.push(`CAST(${rowAgg(perRow ?? '*')} AS ${wide}) AS ${q(env, name)}`);
    } else {
      let v = '*';
      if (perRow !== null) {
        v = q(env, fresh('v'));
        rowCols.push(`${perRow} AS ${v}`);
      }
      const u = q(env, fresh('u'));
      unitCols.push(`${unitAgg(v)} AS ${u}`);
      finalCols.push(`CAST(${final(u)} AS ${wide}) AS ${q(env, name)}`);
    }
    return name;
  };
  const cap = (u: string) => `SUM(LEAST(${u}, ${env.p.int(C)}))`;
  const countRows = () =>
    addAggregate(
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
  const unitSum = (key: string, perRow: string, maxPerRow: bigint, nonNegative: boolean) =>
    addAggregate(
      key,
      perRow,
      (v) => `SUM(${v})`,
      (v) => `SUM(${v})`,
      (u) => `SUM(${clamp(u, env.p.int(nonNegative ? 0n : -BigInt(C) * maxPerRow), env.p.int(BigInt(C) * maxPerRow))})`,
    );

  /**
   * Sum of grid units through the linear form: SUM(clamped)·inverse − COUNT(x)·offset
   * (per group in row-level mode; per unit and group, then clamped, otherwise).
   */
  const linearSum = (key: string, m: PlanMeasure, g: Grid & { maxUnits: number }, withCount = false): string | null => {
    const lin = linearUnits(env, m, g);
    if (!lin) return null;
    const hit = seen.get(key);
    if (hit) return hit;
    const name = fresh('a');
    seen.set(key, name);
    const expr = compileExpr(env, m.expr);
    const inv = lin.inverse === 1 ? '' : ` * ${env.p.int(lin.inverse)}`;
    if (rowLevel) {
      const units = `CAST(SUM(${lin.clamped}) AS ${wide})${inv}${lin.offset === 0 ? '' : ` - CAST(COUNT(${expr}) AS ${wide}) * ${env.p.int(lin.offset)}`}`;
      finalCols.push(`${units} AS ${q(env, name)}`);
      return name;
    }
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
    finalCols.push(`CAST(SUM(${clamp(perUnit, env.p.int(-bound), env.p.int(bound))}) AS ${wide}) AS ${q(env, name)}`);
    return name;
  };

  const histograms: HistogramStatement[] = [];
  for (const o of plan.outputs) {
    if (o.kind !== 'aggregate') {
      inputs.push(null);
      continue;
    }
    const a = o.aggregate;
    switch (a.kind) {
      case 'count':
        inputs.push({ kind: 'count', count: countRows() });
        break;
      case 'countValues':
        inputs.push({ kind: 'count', count: countValues(a.arg) });
        break;
      case 'countUnits':
        inputs.push({ kind: 'count', count: 'units' });
        break;
      case 'sum': {
        const bounds = [a.measure.lower, a.measure.upper] as const;
        const g = sumGrid(bounds);
        const key = `sum:${JSON.stringify(a.measure)}`;
        inputs.push({
          kind: 'sum',
          units: linearSum(key, a.measure, g) ?? unitSum(key, rowUnits(env, a.measure, g), BigInt(g.maxUnits), false),
          bounds,
        });
        break;
      }
      case 'mean': {
        const bounds = [a.measure.lower, a.measure.upper] as const;
        const g = meanGrid(bounds);
        const key = `mean:${JSON.stringify(a.measure)}`;
        const units = linearSum(key, a.measure, g, true) ?? unitSum(key, rowUnits(env, a.measure, g), BigInt(g.maxUnits), false);
        inputs.push({ kind: 'mean', count: countValues(a.measure.expr), units, bounds });
        break;
      }
      case 'variance': {
        const bounds = [a.measure.lower, a.measure.upper] as const;
        const g = varianceGrid(bounds);
        const key = `var:${JSON.stringify(a.measure)}`;
        const d = rowUnits(env, a.measure, g);
        const units = unitSum(key, d, BigInt(g.maxUnits), false);
        const squares = unitSum(`${key}:sq`, `(${d}) * (${d})`, BigInt(g.maxUnits) * BigInt(g.maxUnits), true);
        inputs.push({ kind: 'variance', count: countValues(a.measure.expr), units, squares, bounds });
        break;
      }
      case 'quantile':
        inputs.push({ kind: 'quantile', histogram: histograms.length, bounds: [a.measure.lower, a.measure.upper] });
        histograms.push(compileHistogram(plan, dialect, salt, a.measure));
        break;
      default: {
        const never: never = a;
        throw new DpError('INTERNAL', `unknown aggregate ${JSON.stringify(never)}`);
      }
    }
  }

  const qk = keyNames.map((k) => q(env, k));
  const from = fromClause(env);
  let sql: string;
  if (rowLevel) {
    const select = [...keyExprs.map((e, i) => `${e} AS ${qk[i]}`), `CAST(COUNT(*) AS ${wide}) AS ${q(env, 'units')}`, ...finalCols];
    sql = `SELECT ${select.join(', ')} FROM ${from}${whereClause(env)}${keyExprs.length ? ` GROUP BY ${keyExprs.join(', ')}` : ''}`;
  } else {
    const unit = compileExpr(env, plan.privacy.unit as PlanExpr);
    const U = q(env, 'unit');
    const rows = `SELECT ${[`${unit} AS ${U}`, ...keyExprs.map((e, i) => `${e} AS ${qk[i]}`), ...rowCols].join(', ')} FROM ${from}${whereClause(env)}`;
    const perUnit = `SELECT ${[U, ...qk, ...unitCols].join(', ')} FROM ${q(env, 'tsdp_rows')} GROUP BY ${[U, ...qk].join(', ')}`;
    const finalSelect = `SELECT ${[...qk, `CAST(COUNT(*) AS ${wide}) AS ${q(env, 'units')}`, ...finalCols].join(', ')}`;
    if (qk.length === 0) {
      sql = `WITH ${q(env, 'tsdp_rows')} AS (${rows}), ${q(env, 'tsdp_per_unit')} AS (${perUnit}) ${finalSelect} FROM ${q(env, 'tsdp_per_unit')}`;
    } else {
      const order = `${dialect.saltedHash([U, ...qk], env.p.int(salt))}, ${qk.join(', ')}`;
      const bounded = `SELECT *, ROW_NUMBER() OVER (PARTITION BY ${U} ORDER BY ${order}) AS ${q(env, 'rn')} FROM ${q(env, 'tsdp_per_unit')}`;
      sql =
        `WITH ${q(env, 'tsdp_rows')} AS (${rows}), ${q(env, 'tsdp_per_unit')} AS (${perUnit}), ${q(env, 'tsdp_bounded')} AS (${bounded}) ` +
        `${finalSelect} FROM ${q(env, 'tsdp_bounded')} WHERE ${q(env, 'rn')} <= ${env.p.int(P)} GROUP BY ${qk.join(', ')}`;
    }
  }
  return Object.freeze({
    dialect: dialect.name,
    main: Object.freeze({ sql, params: Object.freeze(env.p.list) }),
    keyColumns: Object.freeze(keyNames),
    unitsColumn: 'units',
    inputs: Object.freeze(inputs),
    histograms: Object.freeze(histograms),
  });
}

/** The histogram statement of one quantile measure. */
function compileHistogram(plan: QueryPlan, dialect: SqlDialect, salt: bigint, m: PlanMeasure): HistogramStatement {
  const env: Env = { plan, d: dialect, p: new Params(dialect) };
  const { rowLevel, maxPartitions: P, maxContributionsPerPartition: C } = plan.privacy;
  const keyExprs = plan.groupBy.map((k) => compileExpr(env, k.expr));
  const qk = plan.groupBy.map((_, i) => q(env, `k${i}`));
  const B = q(env, 'bin');
  const N = q(env, 'n');
  const wide = dialect.typeName('wide');
  const bin = rowBin(env, m, QUANTILE_BINS);
  const from = fromClause(env);
  let sql: string;
  if (rowLevel) {
    const binned = `SELECT ${[...keyExprs.map((e, i) => `${e} AS ${qk[i]}`), `${bin} AS ${B}`].join(', ')} FROM ${from}${whereClause(env)}`;
    sql = `SELECT ${[...qk, B, `CAST(COUNT(*) AS ${wide}) AS ${N}`].join(', ')} FROM (${binned}) AS ${q(env, 'tsdp_binned')} WHERE ${B} IS NOT NULL GROUP BY ${[...qk, B].join(', ')}`;
  } else {
    const U = q(env, 'unit');
    const unit = compileExpr(env, plan.privacy.unit as PlanExpr);
    const rows = `SELECT ${[`${unit} AS ${U}`, ...keyExprs.map((e, i) => `${e} AS ${qk[i]}`), `${bin} AS ${B}`].join(', ')} FROM ${from}${whereClause(env)}`;
    const per = `SELECT ${[U, ...qk, B, `COUNT(*) AS ${N}`].join(', ')} FROM ${q(env, 'tsdp_rows')} WHERE ${B} IS NOT NULL GROUP BY ${[U, ...qk, B].join(', ')}`;
    const cum = q(env, 'cum');
    const gr = q(env, 'gr');
    const saltParam = env.p.int(salt);
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
  return Object.freeze({ sql, params: Object.freeze(env.p.list), bins: QUANTILE_BINS });
}
