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
 * Plans many COUNT(expr) outputs in one query per batch (each expression planned alone first; refused ones
 * dropped); a batch that does not plan or compile is run expression by expression.
 * @returns the number of accepted expressions.
 */
export async function countAll(
  expressions: readonly string[],
  schema: SqlSchema,
  run: (plan: QueryPlan) => Promise<'ran' | 'refused'>,
  batchSize: number,
): Promise<number> {
  const one = (e: string) => planOrNull(`SELECT COUNT(${e}) AS n FROM ${HOSTILE_TABLE}`, schema);
  const accepted = expressions.filter((e) => one(e) !== null);
  for (let k = 0; k < accepted.length; k += batchSize) {
    const batch = accepted.slice(k, k + batchSize);
    const plan = planOrNull(`SELECT ${batch.map((e, j) => `COUNT(${e}) AS c${j}`).join(', ')} FROM ${HOSTILE_TABLE}`, schema);
    if (plan && (await run(plan)) === 'ran') continue;
    for (const e of batch) {
      const p = one(e);
      if (p) await run(p);
    }
  }
  return accepted.length;
}

/** Every cast of every input. */
export function castExpressions(): string[] {
  return INPUTS.flatMap((x) => CAST_TYPES.map((t) => `CAST(${x} AS ${t})`));
}

/**
 * Every allow-listed function on every input; two-argument functions on every pair (`all`) or on the pairs
 * with a column on one side (`withColumn`: pairs of literals fold to constants and add nothing per row).
 */
export function functionExpressions(pairs: 'all' | 'withColumn'): string[] {
  const exprs: string[] = [];
  for (const [f, arity] of FUNCTIONS) {
    for (const x of INPUTS) {
      const tail = arity === 3 ? ', 0' : '';
      if (arity === 1) exprs.push(`${f}(${x})`);
      else if (f === 'ROUND') for (const k of ['0', '2', '-3', '25']) exprs.push(`ROUND(${x}, ${k})`);
      else if (pairs === 'all') for (const y of INPUTS) exprs.push(`${f}(${x}, ${y}${tail})`);
      else if (COLUMNS.includes(x)) for (const y of INPUTS) exprs.push(`${f}(${x}, ${y}${tail})`, `${f}(${y}, ${x}${tail})`);
    }
  }
  return exprs;
}

/** Every operator (`extraOps` besides BINARY_OPS) on every pair of inputs (`all`) or with a column on one side; LIKE on every pattern; unary, BETWEEN, IN. */
export function operatorExpressions(pairs: 'all' | 'withColumn', extraOps: readonly string[] = []): string[] {
  const exprs: string[] = [];
  for (const op of [...BINARY_OPS, ...extraOps]) {
    if (pairs === 'all') for (const x of INPUTS) for (const y of INPUTS) exprs.push(`(${x} ${op} ${y})`);
    else for (const x of COLUMNS) for (const y of INPUTS) exprs.push(`(${x} ${op} ${y})`, `(${y} ${op} ${x})`);
  }
  for (const op of LIKE_OPS) for (const x of INPUTS) for (const p of PATTERNS) exprs.push(`(${x} ${op} ${p})`);
  for (const x of INPUTS) exprs.push(`(-${x})`, `(NOT ${x})`, `(${x} BETWEEN 0 AND 'a')`, `(${x} IN (1, 'a', NULL))`);
  return exprs;
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
