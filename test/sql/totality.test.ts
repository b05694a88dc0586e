/**
 * The compiled SQL is total (issue 10, item 3; src/sql/compile.proof.md):
 * every construct the planner accepts evaluates without an engine error on
 * every row, on DuckDB and on PostgreSQL, so whether a query is answered never
 * depends on the rows. The hostile table holds, per column type, the values
 * that make naive SQL raise (non-numeric and empty text, NaN and Infinity
 * text, huge and tiny numbers, the BIGINT extremes, invalid dates, long and
 * Unicode strings, NULL).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/sql/engine.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import type { PostgresEngine } from '../../src/sql/engines/postgres.js';
import type { QueryPlan } from '../../src/sql/plan.js';
import { explainDpSql } from '../../src/sql/run-dp-sql.js';
import { boundedShrinking, duckdbRerun, postgresRerun, type Rerun } from './engine-timeout.js';
import {
  BINARY_OPS,
  expressionArbitrary,
  FUNCTIONS,
  HOSTILE_DUCK_TIMEOUT_MS,
  HOSTILE_PG_TIMEOUT_MS,
  HOSTILE_TABLE,
  hostileSchema,
  openHostileEngines,
} from './hostile.js';
import { postgresTestUrl } from './postgres-url.js';
import {
  castExpressions,
  countAll as countAllIn,
  functionExpressions,
  INPUTS,
  operatorExpressions,
  planOrNull as planOrNullIn,
  runsOn,
  SHAPES,
  type SweepItem,
  shapedQuery,
} from './totality-harness.js';

let pgEngine: PostgresEngine;
let duck: DuckDbEngine;
let pgRerun: Rerun;
let duckRerun: Rerun;
const schema = hostileSchema();

beforeAll(async () => {
  ({ pgEngine, duck } = await openHostileEngines(postgresTestUrl()));
  pgRerun = postgresRerun(postgresTestUrl(), HOSTILE_PG_TIMEOUT_MS);
  duckRerun = duckdbRerun(duck.connection, HOSTILE_DUCK_TIMEOUT_MS);
}, 60_000);

afterAll(async () => {
  await pgEngine?.close();
  await duck?.close();
});

function planOrNull(sql: string): QueryPlan | null {
  return planOrNullIn(sql, schema);
}

/** Every statement of an accepted plan, compiled as runDpSql does before its charge, runs on both engines without error. */
async function runsEverywhere(plan: QueryPlan): Promise<'ran' | 'refused'> {
  for (const engine of [duck, pgEngine] as SqlEngine[]) if ((await runsOn(engine, plan, schema)) === 'refused') return 'refused';
  return 'ran';
}

/**
 * As `runsEverywhere`, for the generative case: a statement that meets the engine's statement timeout — read by its
 * typed code on a rerun, PostgreSQL SQLSTATE 57014 or DuckDB's INTERRUPT (engine-timeout.ts, rule 1) — makes the
 * case 'timeout' (inconclusive); any other failure fails.
 */
async function runsEverywhereOrTimeout(plan: QueryPlan): Promise<'ran' | 'refused' | 'timeout'> {
  const onDuck = await runsOn(duck, plan, schema, duckRerun);
  if (onDuck !== 'ran') return onDuck;
  return runsOn(pgEngine, plan, schema, pgRerun);
}

async function countAll(items: readonly SweepItem[]): Promise<number> {
  return countAllIn(items, schema, runsEverywhere, 40);
}

/** How long fast-check may shrink a failing random expression (engine-timeout.ts, rule 2). */
const SHRINK_BUDGET_MS = 120_000;

describe('the compiled SQL raises no engine error on hostile rows (DuckDB and PostgreSQL)', () => {
  it('regression: a CAST of text that fails only on the target row (issue 10, item 3)', async () => {
    for (const target of ['42', '1', '0']) {
      const plan = planOrNull(
        `SELECT COUNT(*) AS n FROM ${HOSTILE_TABLE} WHERE CAST(CASE WHEN i = ${target} THEN 'x' ELSE '1' END AS INTEGER) = 1`,
      );
      if (plan) expect(await runsEverywhere(plan)).toBe('ran');
    }
    for (const sql of [
      `SELECT COUNT(*) AS n FROM ${HOSTILE_TABLE} WHERE CAST(s AS DOUBLE) > 1`,
      `SELECT COUNT(*) AS n FROM ${HOSTILE_TABLE} WHERE s = 5`,
      `SELECT COUNT(*) AS n FROM ${HOSTILE_TABLE} WHERE d > '2020-02-30'`,
      `SELECT COUNT(*) AS n FROM ${HOSTILE_TABLE} WHERE CAST(s AS DATE) IS NOT NULL`,
      `SELECT COUNT(*) AS n FROM ${HOSTILE_TABLE} WHERE i AND s`,
      `SELECT COUNT(*) AS n FROM ${HOSTILE_TABLE} WHERE ROUND(f, 2) > 0`,
    ]) {
      const plan = planOrNull(sql);
      if (plan) expect(await runsEverywhere(plan), sql).not.toBe(undefined);
    }
  }, 60_000);

  it('refuses, before the charge, an expression whose rewritten SQL would grow without bound (nested conversions)', () => {
    let e = 'f';
    for (let depth = 0; depth < 12; depth++) e = `LEAST(CAST(${e} AS VARCHAR), 1)`;
    const sql = `SELECT COUNT(*) AS n FROM ${HOSTILE_TABLE} WHERE ${e} IS NULL`;
    expect(() => explainDpSql(sql, schema, duck.dialect, { epsilon: 1 })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_QUERY' }));
  });

  it('every cast of every column type and hostile literal', async () => {
    const n = await countAll(castExpressions());
    expect(n).toBeGreaterThan(INPUTS.length * 2);
  }, 120_000);

  it('every allow-listed function on every column type and hostile literal', async () => {
    const n = await countAll(functionExpressions('all'));
    expect(n).toBeGreaterThan(FUNCTIONS.length * 5);
  }, 300_000);

  it('every operator on every pair of column types and hostile literals', async () => {
    const n = await countAll(operatorExpressions('all'));
    expect(n).toBeGreaterThan(BINARY_OPS.length * 20);
  }, 600_000 /* NULL-guarded clamps (compile.proof.md) repeat operands: ≈1.5× the SQL of before; 194 s before at load 25 */);

  it('random expressions over the allow-list, in WHERE, as COUNT, SUM and MEDIAN arguments and as GROUP BY keys (fast-check, seed 10)', async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(
        expressionArbitrary(),
        fc.constantFrom(...SHAPES),
        boundedShrinking(SHRINK_BUDGET_MS, async (e, shape) => {
          const plan = planOrNull(shapedQuery(e, shape));
          if (!plan) return;
          const outcome = await runsEverywhereOrTimeout(plan);
          fc.pre(outcome !== 'timeout'); // inconclusive: fast-check draws another case (at most 100 skips)
          if (outcome === 'ran') ran++;
        }),
      ),
      { numRuns: 400, seed: 10 },
    );
    expect(ran).toBeGreaterThan(100);
  }, 600_000 /* NULL-guarded clamps (compile.proof.md) repeat operands: ≈1.5× the SQL of before; 194 s before at load 25 */);
});
