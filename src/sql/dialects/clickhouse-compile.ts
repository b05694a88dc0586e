/**
 * The ClickHouse statement compiler: the same `QueryPlan`, the same outputs
 * (`CompiledDpQuery`: exact per-group aggregates read by the same release code)
 * as `compile.ts`, written without window functions or CTEs (18.16 has neither)
 * and in a shape that one **shard** can run alone: every output column is a sum
 * over units, so the driver adds the shards' rows key by key (`merge`).
 *
 * Shapes (nested subqueries, innermost first):
 * - **row-level**: `SELECT keys, count(), sum(Decimal128 units) … GROUP BY keys`.
 * - **unit-level**: rows → per (unit, keys): the counts (two to a `UInt64` column,
 *   `unitColumns`) and per-unit sums with their counts of values (capped at C / weighted to C values and
 *   clamped to ±C·M later, scaled-to-cap.ts) and a **salted hash**
 *   `cityHash64(unit, keys…, salt)` → the unit's P groups of smallest
 *   (hash, keys) → per keys: Σ min(count, C), Σ clamp(weighted sum), count() = units.
 *   Which P groups a unit keeps depends on that unit's own (unit, key) pairs
 *   and the per-query salt only — never on other units' rows or on engine
 *   order, unlike a plain `LIMIT P BY unit` (hash-table order). Two ways to
 *   keep the top P, chosen by measurement (bench/sql/clickhouse.md: at 10⁶ rows, 10⁵ units,
 *   1,000 groups, `limitBy` 17.0 s vs `arrays` 22.6 s on one loaded shard — the issue's
 *   earlier 41× vs 81× was not reproduced here):
 *   - `arrays`: `GROUP BY unit` over the per-(unit, keys) table with
 *     `arraySlice(arraySort(groupArray(tuple(hash, keys…, aggregates…))), 1, P)`
 *     and `ARRAY JOIN` — a per-unit sort of that unit's own groups, no global sort;
 *   - `limitBy` (default): `ORDER BY unit, hash, keys… LIMIT P BY unit` (a sort by the salted hash; LIMIT BY
 *     then keeps each unit's first P in that order, not in hash-table order).
 * - **quantiles**: per (unit, keys, bin) counts; per (unit, keys) the bins in
 *   salted order `cityHash64(unit, bin, salt)` with a running sum
 *   (`arrayCumSum`), each bin taking `min(n, C − (cum − n))` while positive;
 *   then the same top-P groups per unit.
 *
 * Integer arithmetic (18.16's `sum(Int64)` wraps silently; trust-classes "Stop 22"):
 * per-row grid units are at most M ≤ 2³² (the SQL grids), so a per-unit `sum(Int64)`
 * wrapped past 2³¹ rows of one unit in one group (on main until stop 22: a function
 * of that unit's rows, clamped, so the sensitivity held, but the unit then added
 * e.g. −C·M for a true +C·M: the release differed from DuckDB/PostgreSQL). Rule: a
 * unit's sum s in one group is `sum(toDecimal128(units, 0))` (exact for < 2⁹⁴ rows)
 * and leaves the per-(unit, keys) SELECT as two exact Int64 halves, s = hi·2⁶² + lo
 * (`unitColumns`; only Int64 travels on: the arena rule below), made whole again per
 * row after the top-P choice, then weighted to C values and clamped to ±C·M. C·M is
 * checked < 2⁶² here (refused before the charge otherwise), so the clamped per-unit
 * values are exact, and the sum over units is `Decimal128(0)`:
 * < 2⁶³ units × 2⁶² < 10³⁸. Every aggregate leaves as `toString(…)` digits (exact
 * through HTTP), and the driver adds shards in BigInt. Test:
 * test/clickhouse/per-unit-sum-exact.test.ts.
 *
 * **No Decimal128 where 18.16 keeps a value in an arena** (trust-classes "Stop 21"):
 * a `Decimal128` inside `groupArray` (alone or in a tuple) or among GROUP BY keys
 * is read back with an aligned 16-byte load from an 8-aligned address and the
 * server dies (SIGSEGV in `ColumnDecimal::deserializeAndInsertFromArena`, at 100
 * rows). So Decimal128 is only ever a `sum` argument or a per-row expression; what
 * `topGroups` and the histograms carry is Int64/UInt64. Test:
 * test/clickhouse/decimal128-arena.test.ts.
 * @module
 */
import { DpError } from '../../core/errors.js';
import { BLANK_UNIT_PATTERN } from '../../core/missing-unit.js';
import { aggregateInputs, type CompiledDpQuery, type HistogramStatement, type QuantileGrid } from '../compile.js';
import { compileCondition, compileDouble, compileTyped, keyOutput, Params, type SqlType } from '../compile-expr.js';
import { declaredKeyFilter } from '../declared-keys.js';
import type { CompiledStatement, SqlDialect } from '../dialect.js';
import type { PlanExpr, PlanMeasure, QueryPlan } from '../plan.js';
import { binOffsetSql } from '../quantile-grid.js';
import { scaledToCap } from '../scaled-to-cap.js';
import type { SqlSchema } from '../schema.js';
import { type ClickHouseEnv, chAtMost, chClamp, chClampInteger, quoteClickHouse as q } from './clickhouse-expr.js';
import { chJoinedFrom, JOIN_SETTINGS } from './clickhouse-joins.js';
import { doubleLiteral as dbl, intLiteral as int } from './clickhouse-literals.js';

/** How the per-shard rows of a statement are added up by the driver. */
export interface ClickHouseMerge {
  /** The key columns: rows with equal keys (one per shard at most) are one group. */
  readonly keys: readonly string[];
  /** Every other column: exact integers (decimal text), added in BigInt. */
  readonly sums: readonly string[];
  /** Key columns of static type boolean (UInt8 0/1 in ClickHouse), returned as JS booleans. */
  readonly booleans: readonly string[];
}

/** A compiled ClickHouse statement: literals inlined (no params), with its merge rule. */
export interface ClickHouseStatement extends CompiledStatement {
  readonly merge: ClickHouseMerge;
}

/** How a unit keeps its P groups (see the module header). */
export type ClickHouseBounding = 'arrays' | 'limitBy';

/** The largest per-unit clamp bound C·M (units of the grid) the compiled SQL holds exactly in Int64. */
const MAX_PER_UNIT = 2n ** 62n;

interface Grid {
  readonly shift: number;
  readonly inverse: number;
  readonly maxUnits: number;
  readonly lower: number;
  readonly upper: number;
}

function rowUnits(env: ClickHouseEnv, m: PlanMeasure, grid: Grid): string {
  const clamped = chClamp(compileDouble(env, m.expr), dbl(grid.lower), dbl(grid.upper));
  const shifted = grid.shift === 0 ? clamped : `(${clamped} - ${dbl(grid.shift)})`;
  // |shifted·inverse| ≤ 2⁴⁰: the product and round are exact or monotone, never out of range.
  return `toInt64(round(${shifted} * ${dbl(grid.inverse)}))`;
}

function rowBin(env: ClickHouseEnv, m: PlanMeasure, grid: QuantileGrid): string {
  // The bin rule of quantile-grid.ts (one IEEE double operation per step, as DuckDB, PostgreSQL and TypeScript).
  const clamped = chClamp(compileDouble(env, m.expr), dbl(grid.bounds[0]), dbl(grid.bounds[1]));
  return chAtMost(`toInt64(${binOffsetSql(clamped, grid, dbl)})`, int(grid.bins - 1));
}

function refuse(what: string, hint: string): never {
  throw new DpError('UNSUPPORTED_QUERY', `${what} is not supported on ClickHouse: ${hint}`, { construct: what, hint });
}

/** The FROM and WHERE of a statement's rows; `extra`: one more condition (a unit-level statement's `unitRows`). */
function fromWhere(env: ClickHouseEnv, extra?: string): string {
  const { plan } = env;
  const first = plan.sources[0];
  if (!first) throw new DpError('INTERNAL', 'plan without sources');
  // Review S65: the declared GROUP BY keys keep their declared values only, before bounding (declared-keys.ts).
  const declared = declaredKeyFilter(env);
  const own = [...(plan.where ? [compileCondition(env, plan.where)] : []), ...(declared ? [declared] : [])];
  const conditions = [...own, ...(extra ? [extra] : [])];
  if (env.joined) {
    const { from, where } = chJoinedFrom(env);
    const all = [...where, ...conditions];
    return ` FROM ${from}${all.length ? ` WHERE ${all.map((c) => `(${c})`).join(' AND ')}` : ''}`;
  }
  const head = own.length ? own.map((c, i) => (i === 0 ? c : `(${c})`)).join(' AND ') : undefined;
  const where = head ? ` WHERE ${head}${extra ? ` AND (${extra})` : ''}` : extra ? ` WHERE ${extra}` : '';
  return ` FROM ${q(first.table)} AS ${q(first.alias)}${where}`;
}

/**
 * The unit and the FROM … WHERE of a unit-level statement's rows (review S25, class "people merged into one
 * unit"). A row whose unit identifies no one — NULL, the empty string of a text unit (a blank field), NaN or ±∞
 * of a float unit — is **not a unit**: bounded, all such rows would be ONE unit (GROUP BY pools NULLs and equal
 * NaNs; the salted hash of NULL is NULL, so the sort order picks the kept groups) and one more such row could
 * move the counts by 2·C. Such rows are dropped in every unit-level statement (main, histogram, bounding
 * report), as on DuckDB and PostgreSQL (compile.ts `unitRows`, compile.proof.md "Rows without a unit"). The
 * condition reads the unit's own value only, so whether a row counts is a function of that row: the
 * neighbouring argument is unchanged for every other unit.
 * @param env - the compile environment of a unit-level plan.
 * @returns the unit's SQL and the FROM … WHERE that keeps only rows with a unit.
 */
function unitRows(env: ClickHouseEnv): { readonly unit: string; readonly from: string } {
  const typed = compileTyped(env, env.plan.privacy.unit as PlanExpr);
  const u = typed.sql;
  if (typed.type === 'double') {
    // Review M10: −0 and +0 are one unit (`+ 0.` maps −0 to +0 before GROUP BY and the salted hash, which tell them
    // apart), and ±∞ like NaN identifies no one (dropped, as on DuckDB/PostgreSQL: compile.proof.md). A float unit
    // on several shards is refused before the charge (clickhouse.ts checkSharding: the sharding hash splits ±0).
    return { unit: `(${u} + 0.)`, from: fromWhere(env, `isNotNull(${u}) AND isFinite(assumeNotNull(${u}))`) };
  }
  const present =
    typed.type === 'text'
      ? `isNotNull(${u}) AND NOT ${env.d.regexFullMatch(`assumeNotNull(${u})`, BLANK_UNIT_PATTERN)}` // S25c: core/missing-unit.ts
      : `isNotNull(${u})`;
  return { unit: u, from: fromWhere(env, present) };
}

/** A compile environment for the shared expression compiler: ClickHouse's forms, literals inlined; joined plans read renamed columns (clickhouse-joins.ts). */
function envOf(plan: QueryPlan, schema: SqlSchema, dialect: SqlDialect): ClickHouseEnv {
  return { plan, schema, d: dialect, p: new Params(dialect), joined: plan.joins.length > 0 };
}

/** The statement's SQL with the settings a join needs. */
function withSettings(env: ClickHouseEnv, sql: string): string {
  return env.joined ? `${sql}${JOIN_SETTINGS}` : sql;
}

/** The statement of `sql` with its merge rule. */
function statement(sql: string, merge: ClickHouseMerge): ClickHouseStatement {
  return Object.freeze({ sql, params: Object.freeze([]), merge: Object.freeze(merge) });
}

/**
 * The salted order of a unit's groups: `tsdp_h`, compared with ties broken by the keys — or, for **one integer or
 * boolean key**, a hash that is a bijection of the key for each unit (`injective`): then no two groups of one unit
 * ever tie and the sort needs the one column `tsdp_h` (a one-column sort is ClickHouse's fast path: bench/sql/
 * clickhouse.md measured −0.9 s CPU of 3.9 s for the sort of 3.3·10⁶ (unit, group) rows). `intHash64` is
 * MurmurHash3's 64-bit finaliser (xor-shifts and multiplications by odd constants: invertible), `bitXor` with the
 * unit's salted `cityHash64(unit, salt)` and `toUInt64` of an Int64/UInt8 are invertible too, so h(k) = h(k′) ⟹ k = k′
 * within a unit. A NULL key's h is NULL and sorts last (one NULL group per unit at most), as `cityHash64` of a NULL
 * key did. Either way the order is a function of the unit, its own keys and the salt only.
 * @param keys - the key columns.
 * @param types - their static types.
 * @param salt - the per-query salt (an inlined literal).
 * @returns the `tsdp_h` select item and whether the hash alone orders a unit's groups.
 */
function groupHash(keys: readonly string[], types: readonly (SqlType | undefined)[], salt: string): { sql: string; injective: boolean } {
  const t = types[0];
  if (keys.length === 1 && (t === 'integer' || t === 'boolean'))
    return { sql: `intHash64(bitXor(toUInt64(${keys[0]}), cityHash64(tsdp_u, ${salt}))) AS tsdp_h`, injective: true };
  return { sql: `cityHash64(${['tsdp_u', ...keys, salt].join(', ')}) AS tsdp_h`, injective: false };
}

/**
 * The top P groups of each unit, from a per-(unit, keys) table `inner` with columns `tsdp_u`, `tsdp_h`, keys, `cols`.
 * Returns a FROM-able subquery with the same columns (one row per kept (unit, group)).
 */
function topGroups(
  inner: string,
  keys: readonly string[],
  cols: readonly string[],
  P: number,
  how: ClickHouseBounding,
  injective: boolean,
): string {
  if (how === 'limitBy') {
    // LIMIT P BY keeps each unit's first P rows of the sorted stream: its P smallest in the order below, whatever
    // other units' rows lie between them (so the unit need not be the first sort column).
    // The columns are named (not `*`): `inner` also holds the per-unit Decimal128 sums, which stay where they are made.
    const order = injective ? 'tsdp_h ASC NULLS LAST' : `tsdp_u, tsdp_h, ${keys.join(', ')}`;
    return `(SELECT ${['tsdp_u', 'tsdp_h', ...keys, ...cols].join(', ')} FROM ${inner} ORDER BY ${order} LIMIT ${P} BY tsdp_u)`;
  }
  // Tuples sort by (hash, keys…) first: the order is the salted hash, ties (probability ~2⁻⁶⁴) broken by the keys.
  const fields = ['tsdp_h', ...keys, ...cols];
  const top = `arraySlice(arraySort(groupArray(tuple(${fields.join(', ')}))), 1, ${P})`;
  const perUnit = `(SELECT tsdp_u, ${top} AS tsdp_top FROM ${inner} GROUP BY tsdp_u)`;
  const picks = fields.map((f, i) => `tupleElement(tsdp_g, ${i + 1}) AS ${f}`);
  return `(SELECT tsdp_u, ${picks.join(', ')} FROM ${perUnit} ARRAY JOIN tsdp_top AS tsdp_g)`;
}

/** One exact quantity per (unit, keys) of a unit-level statement. */
export type Field =
  /** A count of rows (`value` null: COUNT(*)) or of the non-NULL values of `value` (COUNT(e)), capped at C per unit and group. */
  | { readonly kind: 'count'; readonly name: string; readonly value: string | null }
  /** Σ `perRow` grid units, clamped to [−bound, bound] (or [0, bound]) per unit and group. */
  | { readonly kind: 'sum'; readonly name: string; readonly perRow: string; readonly bound: bigint; readonly nonNegative: boolean };

/** A count field's per-row summand: 1 per row, or the NULL flag of the counted value. */
const flag = (f: { readonly value: string | null }) => (f.value === null ? '1' : `isNotNull(${f.value})`);

/** 2⁶²: the unit of a per-unit sum's high half (`unitColumns`). */
const HALF = 2n ** 62n;

/** 2³² − 1: the low half of a packed count word. */
const LOW_HALF = '4294967295';

/**
 * The columns of a unit-level statement: per row, per (unit, keys), per group.
 *
 * **Counts travel two to a word.** Each pair of count fields is one per-row `UInt64`, `f₀ + f₁·2³²` (f = 1 or
 * `isNotNull(e)`: the NULL flag is the summand), summed per (unit, keys) into one column and split again
 * after the top-P choice (`bitAnd(w, 2³² − 1)`, `bitShiftRight(w, 32)`). Exact while the unit has fewer than
 * 2³² rows in the group on that shard (f₀'s sum then stays below 2³² and f₁'s sum is below 2³² too); past it
 * a field is still a function of that unit's rows alone, capped at C, so the sensitivity holds (residual, open:
 * only the agreement with the other engines is lost there; the sums are exact at any count since stop 22). Why: the
 * per-(unit, keys) pre-aggregate is the statement's largest table (about one row per input row at 10 rows per
 * unit over 1,000 groups) and it is hashed and sorted once each; every column fewer is less memory and one
 * aggregate fewer per row (bench/sql/clickhouse.md: COUNT, SUM, AVG go from four columns to three, −12 % CPU).
 * A lone count keeps its own column (`count()` or `sum(isNotNull(e))`).
 * @param fields - the quantities in output order.
 * @param C - maxContributionsPerPartition.
 * @param dialect - the ClickHouse dialect (the weighting's wide integers).
 * @returns the per-row and per-(unit, keys) select items, the per-(unit, keys) columns that travel to `topGroups`, and the per-group items.
 */
export function unitColumns(
  fields: readonly Field[],
  C: number,
  dialect: SqlDialect,
): { rowCols: string[]; unitCols: string[]; carried: string[]; finalCols: string[] } {
  const rowCols: string[] = [];
  const unitCols: string[] = [];
  const carried: string[] = []; // the per-(unit, keys) columns that travel to `topGroups`: Int64/UInt64 only
  const finalCols: string[] = [];
  const counts = fields.filter((f) => f.kind === 'count');
  const packed = new Map<string, string>(); // count name → its decoded per-(unit, keys) value
  for (let j = 0; j + 1 < counts.length; j += 2) {
    const [low, high] = [counts[j], counts[j + 1]] as [Field & { kind: 'count' }, Field & { kind: 'count' }];
    const w = `tsdp_w${j / 2}`;
    rowCols.push(`toUInt64(${flag(low)}) + bitShiftLeft(toUInt64(${flag(high)}), 32) AS tsdp_p${j / 2}`);
    unitCols.push(`sum(tsdp_p${j / 2}) AS ${w}`);
    carried.push(w);
    packed.set(low.name, `toInt64(bitAnd(${w}, ${LOW_HALF}))`);
    packed.set(high.name, `toInt64(bitShiftRight(${w}, 32))`);
  }
  fields.forEach((f, n) => {
    const c = `tsdp_c${n}`;
    const decoded = packed.get(f.name);
    if (f.kind === 'count' && decoded !== undefined) {
      // Decoded halves are in [0, 2³²): never NULL, never negative.
      finalCols.push(`toString(sum(toDecimal128(least(${decoded}, ${int(C)}), 0))) AS ${f.name}`);
      return;
    }
    if (f.kind === 'count') {
      // Counts as Int64 (count() is UInt64, which has no common type with Int64 in least/greatest). COUNT(x) is
      // sum(isNotNull(x)): 18.16's count(x) crashes the server on some constant Nullable columns (coalesce(x, NULL)).
      if (f.value === null) unitCols.push(`toInt64(count()) AS ${c}`);
      else {
        rowCols.push(`${f.value} AS tsdp_v${n}`);
        unitCols.push(`toInt64(sum(isNotNull(tsdp_v${n}))) AS ${c}`);
      }
      carried.push(c);
      finalCols.push(`toString(sum(toDecimal128(${chClampInteger(c, int(0), int(C))}, 0))) AS ${f.name}`);
      return;
    }
    // Stop 22: the unit's exact sum s is a Decimal128 `sum` argument (no wrap at any row count); it travels to
    // `topGroups` (groupArray: the arena rule) as two Int64 halves, s = hi·2⁶² + lo (`toInt64` of a truncated
    // Decimal quotient and its remainder: |lo| < 2⁶², |hi| < 2³³ for < 2⁹⁴ rows), and is made whole again per row after
    // the top-P choice, where it is weighted to C values when the unit has n > C values here (scaled-to-cap.ts: the same exact integer
    // ⌊(2·s·C + n) / (2·n)⌋ in Decimal128(0) as HUGEINT/numeric on the other engines) and clamped to ±C·M.
    const [s, hi] = [`tsdp_s${n}`, `tsdp_x${n}`];
    rowCols.push(`${f.perRow} AS tsdp_v${n}`);
    unitCols.push(
      `sum(toDecimal128(tsdp_v${n}, 0)) AS ${s}`,
      `toInt64(${s} / ${int(HALF)}) AS ${hi}`,
      `toInt64(${s} - toDecimal128(${hi}, 0) * ${int(HALF)}) AS ${c}`,
      `toInt64(sum(isNotNull(tsdp_v${n}))) AS tsdp_n${n}`,
    );
    carried.push(hi, c, `tsdp_n${n}`);
    const whole = `(toDecimal128(${hi}, 0) * ${int(HALF)} + ${c})`;
    const lo = f.nonNegative ? int(0) : int(-f.bound);
    const value = scaledToCap(dialect, int, whole, `tsdp_n${n}`, C, f.bound);
    // A unit whose values in this group are all NULL has s = NULL (sum of no values): it stays NULL and adds nothing.
    finalCols.push(`toString(sum(toDecimal128(${chClampInteger(value, lo, int(f.bound))}, 0))) AS ${f.name}`);
  });
  return { rowCols, unitCols, carried, finalCols };
}

/**
 * Compiles a plan for ClickHouse (the per-shard statements).
 * @param plan - the checked plan.
 * @param salt - the per-query CSPRNG salt (bounding's order).
 * @param schema - the schema (column types).
 * @param dialect - the ClickHouse dialect object (its expression forms and literal inlining).
 * @param bounding - how a unit keeps its P groups (default `limitBy`, by measurement).
 * @returns the compiled query; `main` and `histograms` are `ClickHouseStatement`s.
 * @throws DpError UNSUPPORTED_QUERY for a LEFT JOIN condition ClickHouse cannot write (clickhouse-joins.ts), a reserved column name or a per-unit bound beyond 2⁶² grid units (before any charge).
 */
export function compileClickHouseQuery(
  plan: QueryPlan,
  salt: bigint,
  schema: SqlSchema,
  dialect: SqlDialect,
  bounding: ClickHouseBounding = 'limitBy',
): CompiledDpQuery {
  const env = envOf(plan, schema, dialect);
  const { rowLevel, maxPartitions: P, maxContributionsPerPartition: C } = plan.privacy;
  const typedKeys = plan.groupBy.map((k) => compileTyped(env, k.expr));
  const keyExprs = typedKeys.map((k) => keyOutput(env, k));
  const keys = plan.groupBy.map((_, i) => `tsdp_k${i}`);
  const booleans = keys.filter((_, i) => typedKeys[i]?.type === 'boolean');
  const from = fromWhere(env);

  const sums: string[] = [];
  const fields: Field[] = []; // unit-level: the per-(unit, keys) quantities, in output order
  const finalCols: string[] = []; // row-level: per group
  const seen = new Map<string, string>();
  const checkBound = (bound: bigint) => {
    if (bound >= MAX_PER_UNIT)
      refuse(
        'contribution bounds this large',
        'lower maxContributionsPerPartition or narrow the bounds: C × grid units must stay below 2^62',
      );
  };
  /** An exact per-group aggregate: a count of rows (`perRow` null) or of non-NULL `perRow`, or a sum bounded by `bound` per unit and group. */
  const add = (key: string, perRow: string | null, kind: 'count' | 'sum', bound: bigint, nonNegative = false): string => {
    const hit = seen.get(key);
    if (hit) return hit;
    const name = `tsdp_a${sums.length}`;
    seen.set(key, name);
    sums.push(name);
    if (rowLevel) {
      const agg = kind === 'count' ? (perRow === null ? 'count()' : `sum(isNotNull(${perRow}))`) : `sum(toDecimal128(${perRow}, 0))`;
      finalCols.push(`toString(${agg}) AS ${name}`);
      return name;
    }
    checkBound(bound);
    if (kind === 'count') fields.push({ kind: 'count', name, value: perRow });
    else fields.push({ kind: 'sum', name, perRow: perRow ?? '1', bound, nonNegative });
    return name;
  };
  const big = (x: number) => BigInt(C) * BigInt(x);
  const countValues = (e: PlanExpr) => add(`values:${JSON.stringify(e)}`, compileTyped(env, e).sql, 'count', BigInt(C));
  const sumOf = (key: string, units: string, maxUnits: number, nonNegative = false) => add(key, units, 'sum', big(maxUnits), nonNegative);

  const { inputs, histograms } = aggregateInputs(plan, {
    unitsColumn: 'tsdp_units',
    rows: () => add('rows', null, 'count', BigInt(C)),
    values: countValues,
    sum: (key, m, g) => sumOf(key, rowUnits(env, m, g), g.maxUnits),
    moments: (key, m, g) => {
      const d = rowUnits(env, m, g);
      const units = sumOf(key, d, g.maxUnits);
      const squares = sumOf(`${key}:sq`, `(${d}) * (${d})`, g.maxUnits * g.maxUnits, true);
      return { units, squares };
    },
    histogram: (m, grid) => compileHistogram(env, salt, m, grid, bounding),
  });

  const keySelect = keyExprs.map((e, i) => `${e} AS ${keys[i]}`);
  const groupBy = keys.length ? ` GROUP BY ${keys.join(', ')}` : '';
  let sql: string;
  if (rowLevel) {
    sql = `SELECT ${[...keySelect, 'toString(count()) AS tsdp_units', ...finalCols].join(', ')}${from}${groupBy}`;
  } else {
    const { unit, from: unitFrom } = unitRows(env);
    const { rowCols, unitCols, carried, finalCols: perGroup } = unitColumns(fields, C, dialect);
    const rows = `(SELECT ${[`${unit} AS tsdp_u`, ...keySelect, ...rowCols].join(', ')}${unitFrom})`;
    const hash = groupHash(
      keys,
      typedKeys.map((k) => k.type as SqlType),
      int(salt),
    );
    const perUnit = `(SELECT ${['tsdp_u', ...keys, ...(keys.length ? [hash.sql] : []), ...unitCols].join(', ')} FROM ${rows} GROUP BY ${['tsdp_u', ...keys].join(', ')})`;
    const bounded = keys.length ? topGroups(perUnit, keys, carried, P, bounding, hash.injective) : perUnit;
    sql = `SELECT ${[...keys, 'toString(count()) AS tsdp_units', ...perGroup].join(', ')} FROM ${bounded}${groupBy}`;
  }
  return Object.freeze({
    dialect: 'clickhouse',
    main: statement(withSettings(env, sql), { keys, sums: ['tsdp_units', ...sums], booleans }),
    keyColumns: Object.freeze(keys),
    keyTypes: Object.freeze(typedKeys.map((k) => k.type as SqlType)),
    unitsColumn: 'tsdp_units',
    inputs: Object.freeze(inputs),
    histograms: Object.freeze(histograms),
  });
}

/** The histogram statement of one quantile measure (columns keys…, `bin`, `n`). */
function compileHistogram(
  env: ClickHouseEnv,
  salt: bigint,
  m: PlanMeasure,
  grid: QuantileGrid,
  bounding: ClickHouseBounding,
): HistogramStatement {
  const { plan } = env;
  const { rowLevel, maxPartitions: P, maxContributionsPerPartition: C } = plan.privacy;
  const typedKeys = plan.groupBy.map((k) => compileTyped(env, k.expr));
  const keys = plan.groupBy.map((_, i) => `tsdp_k${i}`);
  const keySelect = typedKeys.map((k, i) => `${keyOutput(env, k)} AS ${keys[i]}`);
  const booleans = keys.filter((_, i) => typedKeys[i]?.type === 'boolean');
  const bin = rowBin(env, m, grid);
  const from = fromWhere(env);
  let sql: string;
  if (rowLevel) {
    const binned = `(SELECT ${[...keySelect, `${bin} AS tsdp_bin`].join(', ')}${from})`;
    sql = `SELECT ${[...keys, 'tsdp_bin AS bin', 'toString(count()) AS n'].join(', ')} FROM ${binned} WHERE isNotNull(tsdp_bin) GROUP BY ${[...keys, 'tsdp_bin'].join(', ')}`;
  } else {
    const { unit, from: unitFrom } = unitRows(env);
    const rows = `(SELECT ${[`${unit} AS tsdp_u`, ...keySelect, `${bin} AS tsdp_bin`].join(', ')}${unitFrom})`;
    const perBin = `(SELECT ${['tsdp_u', ...keys, 'tsdp_bin', 'toInt64(count()) AS tsdp_n', `cityHash64(tsdp_u, tsdp_bin, ${int(salt)}) AS tsdp_hb`].join(', ')} FROM ${rows} WHERE isNotNull(tsdp_bin) GROUP BY ${['tsdp_u', ...keys, 'tsdp_bin'].join(', ')})`;
    // Per (unit, group): the bins in salted order; each takes min(n, C − (cum − n)) while C is not used up.
    const sorted = 'arraySort(groupArray(tuple(tsdp_hb, tsdp_bin, tsdp_n)))';
    const ns = 'arrayMap(x -> tupleElement(x, 3), tsdp_s)';
    const takes = `arrayMap((n, c) -> least(n, ${int(C)} - (c - n)), ${ns}, arrayCumSum(${ns}))`;
    const groupOrder = groupHash(
      keys,
      typedKeys.map((k) => k.type as SqlType),
      int(salt),
    );
    const hash = keys.length ? [groupOrder.sql] : [];
    const perGroup =
      `(SELECT ${['tsdp_u', ...keys, ...hash, 'arrayMap(x -> tupleElement(x, 2), tsdp_s) AS tsdp_bins', `${takes} AS tsdp_takes`].join(', ')} ` +
      `FROM (SELECT ${['tsdp_u', ...keys, `${sorted} AS tsdp_s`].join(', ')} FROM ${perBin} GROUP BY ${['tsdp_u', ...keys].join(', ')}))`;
    const bounded = keys.length ? topGroups(perGroup, keys, ['tsdp_bins', 'tsdp_takes'], P, bounding, groupOrder.injective) : perGroup;
    const flat = `(SELECT ${[...keys, 'tsdp_bin', 'tsdp_take'].join(', ')} FROM ${bounded} ARRAY JOIN tsdp_bins AS tsdp_bin, tsdp_takes AS tsdp_take)`;
    sql = `SELECT ${[...keys, 'tsdp_bin AS bin', 'toString(sum(toDecimal128(tsdp_take, 0))) AS n'].join(', ')} FROM ${flat} WHERE tsdp_take > 0 GROUP BY ${[...keys, 'tsdp_bin'].join(', ')}`;
  }
  return Object.freeze({ ...statement(withSettings(env, sql), { keys: [...keys, 'bin'], sums: ['n'], booleans }), bins: grid.bins });
}

/**
 * The bounding report's statement (units, and units cut by the bounds), per shard; both columns add up over shards.
 * @param plan - a unit-level plan.
 * @param schema - the schema.
 * @param dialect - the ClickHouse dialect object.
 * @returns the statement.
 * @throws DpError INTERNAL for a row-level plan.
 */
export function compileClickHouseBoundingReport(plan: QueryPlan, schema: SqlSchema, dialect: SqlDialect): ClickHouseStatement {
  if (plan.privacy.rowLevel) throw new DpError('INTERNAL', 'a bounding report of a row-level query');
  const env = envOf(plan, schema, dialect);
  const { maxPartitions: P, maxContributionsPerPartition: C } = plan.privacy;
  const keys = plan.groupBy.map((_, i) => `tsdp_k${i}`);
  const keySelect = plan.groupBy.map((k, i) => `${keyOutput(env, compileTyped(env, k.expr))} AS ${keys[i]}`);
  const { unit, from } = unitRows(env);
  const rows = `(SELECT ${[`${unit} AS tsdp_u`, ...keySelect].join(', ')}${from})`;
  const perGroup = `(SELECT tsdp_u, count() AS tsdp_c FROM ${rows} GROUP BY ${['tsdp_u', ...keys].join(', ')})`;
  const perUnit = `(SELECT tsdp_u, count() AS tsdp_g, max(tsdp_c) AS tsdp_m FROM ${perGroup} GROUP BY tsdp_u)`;
  const sql = `SELECT toString(count()) AS units, toString(sum(if(tsdp_g > ${int(P)} OR tsdp_m > ${int(C)}, 1, 0))) AS cut FROM ${perUnit}`;
  return statement(withSettings(env, sql), { keys: [], sums: ['units', 'cut'], booleans: [] });
}
