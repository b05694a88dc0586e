/**
 * The shared harness of the totality tests (compile.proof.md: the compiled SQL raises no engine error on any
 * row) — test/sql/totality.test.ts on DuckDB and PostgreSQL, test/clickhouse/totality.test.ts on a ClickHouse
 * cluster: the expressions every engine must run on the hostile table (every cast, function and operator over
 * every column type and hostile literal, random expressions in every query shape), and how they are batched.
 */
import { expect } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import type { CompiledDpQuery } from '../../src/sql/compile.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import type { QueryPlan } from '../../src/sql/plan.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { explainDpSql } from '../../src/sql/run-dp-sql.js';
import type { SqlSchema } from '../../src/sql/schema.js';
import { covering, pairwiseKeys } from '../sweeps.js';
import { queryOrTimeout, type Rerun } from './engine-timeout.js';
import { BINARY_OPS, CAST_TYPES, COLUMNS, FUNCTIONS, HOSTILE_LITERALS, HOSTILE_TABLE, LIKE_OPS, PATTERNS } from './hostile.js';

/** Every column and every hostile literal. */
export const INPUTS: readonly string[] = [...COLUMNS, ...HOSTILE_LITERALS];

/** The plan of `sql`, or null when the planner refuses it (a refusal is before any charge: allowed). */
export function planOrNull(sql: string, schema: SqlSchema): QueryPlan | null {
  try {
    return planDpQuery(sql, schema);
  } catch (e) {
    if (e instanceof DpError && e.code !== 'INTERNAL') return null;
    throw e;
  }
}

/**
 * Compiles `plan` as runDpSql does before its charge and runs every statement on `engine`: 'refused' when the
 * compiler refuses (before the charge: allowed); an engine error fails the test with the query and SQL.
 */
export async function runsOn(engine: SqlEngine, plan: QueryPlan, schema: SqlSchema): Promise<'ran' | 'refused'>;
/**
 * As above, with a `rerun` that reads the engine's typed code of a failure (engine-timeout.ts, rule 1): 'timeout'
 * when a statement met the engine's statement timeout (inconclusive); any other failure fails the test.
 */
export async function runsOn(engine: SqlEngine, plan: QueryPlan, schema: SqlSchema, rerun: Rerun): Promise<'ran' | 'refused' | 'timeout'>;
export async function runsOn(engine: SqlEngine, plan: QueryPlan, schema: SqlSchema, rerun?: Rerun): Promise<'ran' | 'refused' | 'timeout'> {
  let compiled: CompiledDpQuery;
  try {
    compiled = explainDpSql(plan.text, schema, engine.dialect, { epsilon: 1, delta: 1e-6 }, 77n).compiled;
  } catch (e) {
    if (e instanceof DpError && e.code !== 'INTERNAL') return 'refused';
    throw e;
  }
  for (const statement of [compiled.main, ...compiled.histograms]) {
    const describe = `${engine.dialect.name} on: ${plan.text}`;
    if (rerun) {
      const rows = await queryOrTimeout(() => engine.query(statement), statement, rerun, describe);
      if (rows === 'timeout') return 'timeout';
      expect(Array.isArray(rows)).toBe(true);
      continue;
    }
    const rows = await engine.query(statement).catch((e: unknown) => {
      throw new Error(`${engine.dialect.name} raised ${(e as Error).message} on: ${plan.text}\n${statement.sql.slice(0, 2000)}`);
    });
    expect(Array.isArray(rows)).toBe(true);
  }
  return 'ran';
}

/**
 * One expression of a sweep and its factors: the member of each class it exercises (function or operator, then
 * its operands, by position), whose pairs test/sweeps.ts's covering subset keeps at least once.
 */
export interface SweepItem {
  readonly expr: string;
  readonly factors: readonly string[];
}

/** An operand's static type: each column is its own type (their stored types differ by engine), else its literal's. */
function operandType(x: string): string {
  if (COLUMNS.includes(x)) return `column ${x}`;
  if (x === 'NULL') return 'null';
  if (x === 'TRUE' || x === 'FALSE') return 'boolean';
  if (x.startsWith('DATE')) return 'date';
  if (x.startsWith("'")) return 'text';
  return /^-?\d+$/.test(x) ? 'integer' : 'double';
}

/**
 * The type-level key of a two-operand item: (member, type of x, type of y). Rule (review stop 23 second): pairs of
 * operands alone let each operand pair run under one member only, so a member that shares a compiler branch with
 * others (the comparisons: `unified`, then `x op y`) never met some type pairs in CI — a date column against a date,
 * ClickHouse's columns against NULL. Every member meets every operand type pair the full sweep gives it.
 */
function typeKeys(factors: readonly string[]): string[] {
  if (factors.length !== 3) return [];
  return [`${factors[0]} on ${operandType(factors[1] as string)} × ${operandType(factors[2] as string)}`];
}

/** What a sweep item covers in CI's subset: every pair of its factors and its type-level key. */
export function sweepKeys(item: SweepItem): string[] {
  return [...pairwiseKeys(item.factors), ...typeKeys(item.factors)];
}

/**
 * Plans many COUNT(expr) outputs in one query per batch. CI runs the covering subset of the expressions the
 * planner accepts (`sweepKeys`: every pair of factors and every (member, operand type, operand type); each
 * candidate planned alone, refused ones dropped, so no key is counted covered by a refused expression),
 * `TSDP_FULL_SWEEPS=1` every accepted one.
 * A batch that does not plan or compile is run expression by expression.
 * @returns the number of expressions run.
 */
export async function countAll(
  items: readonly SweepItem[],
  schema: SqlSchema,
  run: (plan: QueryPlan) => Promise<'ran' | 'refused'>,
  batchSize: number,
): Promise<number> {
  const one = (e: string) => planOrNull(`SELECT COUNT(${e}) AS n FROM ${HOSTILE_TABLE}`, schema);
  const swept = covering(items, sweepKeys, (item) => one(item.expr) !== null).map((item) => item.expr);
  for (let k = 0; k < swept.length; k += batchSize) {
    const batch = swept.slice(k, k + batchSize);
    const plan = planOrNull(`SELECT ${batch.map((e, j) => `COUNT(${e}) AS c${j}`).join(', ')} FROM ${HOSTILE_TABLE}`, schema);
    if (plan && (await run(plan)) === 'ran') continue;
    for (const e of batch) {
      const p = one(e);
      if (p) await run(p);
    }
  }
  return swept.length;
}

/** Every cast of every input. */
export function castExpressions(): SweepItem[] {
  return INPUTS.flatMap((x) => CAST_TYPES.map((t) => ({ expr: `CAST(${x} AS ${t})`, factors: [x, t] })));
}

/** The operand pairs of a two-operand sweep: every pair of inputs (`all`), or those with a column on one side. */
function operandPairs(pairs: 'all' | 'withColumn'): (readonly [string, string])[] {
  if (pairs === 'all') return INPUTS.flatMap((x) => INPUTS.map((y) => [x, y] as const));
  return COLUMNS.flatMap((x) => INPUTS.flatMap((y) => [[x, y] as const, [y, x] as const]));
}

/**
 * Every `names` member on every operand pair, the members rotated per pair (pair p starts at member p mod n) so
 * that the covering subset spreads the operand pairs over the members instead of giving them all to the first.
 */
function rotated(
  names: readonly string[],
  operands: readonly (readonly [string, string])[],
  text: (name: string, x: string, y: string) => string,
): SweepItem[] {
  return operands.flatMap(([x, y], p) =>
    names.map((_, r) => {
      const name = names[(p + r) % names.length] as string;
      return { expr: text(name, x, y), factors: [name, x, y] };
    }),
  );
}

/**
 * Every allow-listed function on every input; two-argument functions on every pair (`all`) or on the pairs
 * with a column on one side (`withColumn`: pairs of literals fold to constants and add nothing per row).
 */
export function functionExpressions(pairs: 'all' | 'withColumn'): SweepItem[] {
  const items: SweepItem[] = [];
  for (const [f, arity] of FUNCTIONS) {
    for (const x of INPUTS) {
      if (arity === 1) items.push({ expr: `${f}(${x})`, factors: [`${f}/1`, x] });
      else if (f === 'ROUND') for (const k of ['0', '2', '-3', '25']) items.push({ expr: `ROUND(${x}, ${k})`, factors: ['ROUND/2', x, k] });
    }
  }
  const binary = FUNCTIONS.filter(([f, arity]) => arity > 1 && f !== 'ROUND').map(([f]) => f);
  const tail = (f: string) => (FUNCTIONS.find(([g]) => g === f)?.[1] === 3 ? ', 0' : '');
  items.push(...rotated(binary, operandPairs(pairs), (f, x, y) => `${f}(${x}, ${y}${tail(f)})`));
  return items;
}

/** Every operator (`extraOps` besides BINARY_OPS) on every pair of inputs (`all`) or with a column on one side; LIKE on every pattern; unary, BETWEEN, IN. */
export function operatorExpressions(pairs: 'all' | 'withColumn', extraOps: readonly string[] = []): SweepItem[] {
  const items = rotated([...BINARY_OPS, ...extraOps], operandPairs(pairs), (op, x, y) => `(${x} ${op} ${y})`);
  const patterns = INPUTS.flatMap((x) => PATTERNS.map((p) => [x, p] as const));
  items.push(...rotated(LIKE_OPS, patterns, (op, x, p) => `(${x} ${op} ${p})`));
  for (const x of INPUTS)
    items.push(
      { expr: `(-${x})`, factors: ['-', x] },
      { expr: `(NOT ${x})`, factors: ['NOT', x] },
      { expr: `(${x} BETWEEN 0 AND 'a')`, factors: ['BETWEEN', x] },
      { expr: `(${x} IN (1, 'a', NULL))`, factors: ['IN', x] },
    );
  return items;
}

/** The query shapes a random expression is tried in. */
export const SHAPES = ['where', 'count', 'sum', 'median', 'group'] as const;

/** The DP query of shape `shape` around expression `e`. */
export function shapedQuery(e: string, shape: (typeof SHAPES)[number]): string {
  switch (shape) {
    case 'where':
      return `SELECT COUNT(*) AS n FROM ${HOSTILE_TABLE} WHERE ${e}`;
    case 'count':
      return `SELECT COUNT(${e}) AS n FROM ${HOSTILE_TABLE}`;
    case 'sum':
      return `SELECT SUM(${e}) AS s, AVG(${e}) AS a FROM ${HOSTILE_TABLE}`;
    case 'median':
      return `SELECT MEDIAN(${e}) AS m FROM ${HOSTILE_TABLE}`;
    default:
      return `SELECT ${e} AS k, COUNT(*) AS n FROM ${HOSTILE_TABLE} GROUP BY 1`;
  }
}
