/**
 * Stop 24 (compile-env.ts, `Params` rule 2): a plan literal has its own parameter, never shared with another literal
 * or a compiler constant, and its bind type follows its class (`numberLiteralType`), so two plans of one shape —
 * the same template with other literals of the same classes — compile to byte-identical statement text and
 * parameter types, and a memo of the text per shape cannot carry one query's equalities into another's statement.
 * Generative (fast-check, seeds 2410/2411, 30 runs each): random literals drawn to be equal or not to each other, to
 * the declared bounds and to the compiler's constants (integers, floats, −0, 1e150, 2⁵³ − 1, strings), on DuckDB
 * and (with TSDP_TEST_POSTGRES_URL) PostgreSQL; deterministic (exact, noise-free statements). Two properties:
 * - the two plans' main and histogram statements have the same text and parameter types;
 * - each plan's statements return exactly the rows that the literal-free plan (no WHERE) returns on the table
 *   filtered in JavaScript by the WHERE (three-valued logic) — so the answers are the query's own, not another's.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import type { EngineRow, SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import type { PlanExpr, QueryPlan } from '../../src/sql/plan.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

const schema = parseSqlSchema({
  dataset: 'opt',
  budget: { epsilon: 10 },
  tables: {
    opt: {
      privacyUnit: 'u',
      maxPartitions: 50,
      maxContributionsPerPartition: 50,
      columns: {
        u: { type: 'integer' },
        a: { type: 'integer', lower: 0, upper: 100 },
        x: { type: 'float', lower: 0, upper: 100 },
        s: { type: 'string' },
      },
    },
  },
});

const SELECT = 'SELECT COUNT(*) AS c, SUM(x) AS sx, SUM(a) AS sa, MEDIAN(x) AS mx FROM opt';
/** The template: six literals (placeholders replaced per run, in DFS order). */
const WHERE = " WHERE (a >= 1 AND x < 2) OR a = 3 OR s = 'four' OR (x >= 5 AND a <> 6)";
/** Which literal slots are numbers compared with `a` (integer) or `x` (float); slot 3 is text. */
const SLOTS = ['a', 'x', 'a', 's', 'x', 'a'] as const;

/** Values equal to bounds (0, 100), privacy parameters (50) and compiler constants (0, 1e150, 1e-150). */
const INTS = [0, -0, 1, 3, 50, 60, 100, 101, -1, 2 ** 53 - 1, -(2 ** 53 - 1)];
const DOUBLES = [0.5, 99.5, 100.5, -0.5, 1e150, -1e150, 1e-150, 1e20, 2 ** 53, 1.5e300];
const TEXTS = ['a', 'b', '', 'A', 'a ', 'four'];

const intArb = fc.oneof(fc.constantFrom(...INTS), fc.integer({ min: -3, max: 110 }));
const dblArb = fc.oneof(
  fc.constantFrom(...DOUBLES),
  fc.double({ min: -200, max: 200, noNaN: true }).filter((d) => !Number.isSafeInteger(d)),
);
/** Per number slot, one class (both queries share it: it is in the shape key), then two values of that class. */
const slotArb = (slot: (typeof SLOTS)[number]) =>
  slot === 's'
    ? fc.tuple(fc.constantFrom(...TEXTS), fc.constantFrom(...TEXTS))
    : fc.boolean().chain((isInt) => (isInt ? fc.tuple(intArb, intArb) : fc.tuple(dblArb, dblArb)));

const caseArb = fc.record({
  literals: fc.tuple(...SLOTS.map(slotArb)),
  rows: fc.array(
    fc.record({
      u: fc.integer({ min: 0, max: 5 }),
      a: fc.option(fc.constantFrom(0, 1, 3, 6, 50, 99, 100), { nil: null }),
      x: fc.option(fc.constantFrom(0, -0, 0.5, 2, 5, 50, 99.5, 100), { nil: null }),
      s: fc.option(fc.constantFrom(...TEXTS), { nil: null }),
    }),
    { maxLength: 25 },
  ),
});
type Row = { u: number; a: number | null; x: number | null; s: string | null };

/** `e` with its literals (DFS order) replaced by `values`. */
function withLiterals(e: PlanExpr, values: readonly (number | string)[], at: { i: number }): PlanExpr {
  const s = (x: PlanExpr) => withLiterals(x, values, at);
  switch (e.kind) {
    case 'literal':
      return { kind: 'literal', value: values[at.i++] as number | string };
    case 'binary':
      return { ...e, left: s(e.left), right: s(e.right) };
    case 'column':
      return e;
    default:
      throw new Error(`unexpected ${e.kind} in the template`);
  }
}

/** The WHERE in three-valued logic over a row (null: unknown). */
function holds(e: PlanExpr, r: Row): boolean | null {
  if (e.kind !== 'binary') throw new Error('not a condition');
  if (e.op === 'AND' || e.op === 'OR') {
    const l = holds(e.left, r);
    const rr = holds(e.right, r);
    if (e.op === 'AND') return l === false || rr === false ? false : l === null || rr === null ? null : true;
    return l === true || rr === true ? true : l === null || rr === null ? null : false;
  }
  if (e.left.kind !== 'column' || e.right.kind !== 'literal') throw new Error('not column op literal');
  const v = r[e.left.column as keyof Row];
  const lit = e.right.value as number | string;
  if (v === null) return null;
  switch (e.op) {
    case '>=':
      return v >= lit;
    case '<':
      return v < lit;
    case '=':
      return v === lit || (typeof v === 'number' && v === lit);
    case '<>':
      return v !== lit;
    default:
      throw new Error(e.op);
  }
}

function rowText(r: EngineRow): string {
  return JSON.stringify(Object.entries(r).map(([c, v]) => [c, typeof v, Object.is(v, -0) ? '-0' : String(v)]));
}
const rowsOf = async (engine: SqlEngine, st: CompiledStatement) => (await engine.query(st)).map(rowText).sort();
const statements = (c: ReturnType<typeof compileDpQuery>) => [c.main, ...c.histograms];
const sqlNumber = (v: number) => (Object.is(v, -0) ? '-0.0' : String(v));

async function check(engine: SqlEngine, load: (sql: string) => Promise<unknown>, dbl: string, seed: number) {
  const template = planDpQuery(SELECT + WHERE, schema);
  const bare = planDpQuery(SELECT, schema);
  const fill = async (table: string, rows: readonly Row[]) => {
    await load(`DROP TABLE IF EXISTS ${table}`);
    await load(`CREATE TABLE ${table} (u BIGINT, a BIGINT, x ${dbl}, s TEXT)`);
    if (rows.length === 0) return;
    const t = (v: string | null) => (v === null ? 'NULL' : `'${v}'`);
    const n = (v: number | null) => (v === null ? 'NULL' : sqlNumber(v));
    await load(`INSERT INTO ${table} VALUES ${rows.map((r) => `(${r.u}, ${n(r.a)}, ${n(r.x)}, ${t(r.s)})`).join(', ')}`);
  };
  await fc.assert(
    fc.asyncProperty(caseArb, async ({ literals, rows }) => {
      const plans = [0, 1].map((q): QueryPlan => {
        const where = withLiterals(
          template.where as PlanExpr,
          literals.map((pair) => pair[q] as number | string),
          { i: 0 },
        );
        return { ...template, where };
      });
      const compiled = plans.map((p) => compileDpQuery(p, engine.dialect, 7n, schema));
      const [one, two] = compiled.map(statements);
      expect(two?.map((s) => s.sql)).toEqual(one?.map((s) => s.sql));
      expect(two?.map((s) => s.params.map((p) => p.type))).toEqual(one?.map((s) => s.params.map((p) => p.type)));
      const reference = compileDpQuery(bare, engine.dialect, 7n, schema);
      for (const [q, plan] of plans.entries()) {
        await fill('opt', rows);
        const got = await Promise.all(statements(compiled[q] as ReturnType<typeof compileDpQuery>).map((s) => rowsOf(engine, s)));
        await fill(
          'opt',
          rows.filter((r) => holds(plan.where as PlanExpr, r) === true),
        );
        const want = await Promise.all(statements(reference).map((s) => rowsOf(engine, s)));
        expect(got).toEqual(want);
      }
    }),
    { seed, numRuns: 30 },
  );
}

describe('per-query literals have their own parameters (stop 24): one text per shape, the query’s own answers', () => {
  it('the template has the literals the test replaces', () => {
    const found: string[] = [];
    const walk = (e: PlanExpr): void => {
      if (e.kind === 'literal') found.push(String(e.value));
      if (e.kind === 'binary') {
        walk(e.left);
        walk(e.right);
      }
    };
    walk(planDpQuery(SELECT + WHERE, schema).where as PlanExpr);
    expect(found).toEqual(['1', '2', '3', 'four', '5', '6']);
  });

  it('DuckDB (seed 2410)', async () => {
    const engine = await DuckDbEngine.open();
    try {
      await check(engine, (sql) => engine.connection.run(sql), 'DOUBLE', 2410);
    } finally {
      await engine.close();
    }
  }, 180_000);

  describe.skipIf(!process.env.TSDP_TEST_POSTGRES_URL)('PostgreSQL', () => {
    const url = process.env.TSDP_TEST_POSTGRES_URL as string;
    let client: pg.Client;
    let engine: PostgresEngine;
    beforeAll(async () => {
      client = new pg.Client({ connectionString: url });
      await client.connect();
      engine = await PostgresEngine.open({ connectionString: url });
    });
    afterAll(async () => {
      await client?.query('DROP TABLE IF EXISTS opt');
      await client?.end();
      await engine?.close();
    });
    it('PostgreSQL (seed 2411)', async () => {
      await check(engine, (sql) => client.query(sql), 'double precision', 2411);
    }, 180_000);
  });
});
