/**
 * Review S59's class (src/sql/text-bounds.ts): no text function of the compiled SQL meets a text past a public bound,
 * so no engine's per-value limit (PostgreSQL's 1 GB allocation) is reached after the charge.
 *
 * Generative (fast-check, seed 2026120702): random expression trees of the admitted text constructs (UPPER, LOWER,
 * TRIM, ||, COALESCE, NULLIF, CASE, CAST to text, literals) over two text columns whose values sit at and past the
 * cap — L − 1, L, L + 1 and 3L bytes (L = MAX_TEXT_VALUE_BYTES), of 1-byte and of 2-byte characters whose upper
 * case takes 3 bytes (U+023F → U+2C7E) — on DuckDB and PostgreSQL. Each tree is either refused at compile time
 * (UNSUPPORTED_QUERY, the same on both) or:
 * - every value it computes on either engine has at most its static bound of bytes (`textBytesBound`), itself at
 *   most MAX_TEXT_EXPRESSION_BYTES (rule 2: the bound is a bound);
 * - a COUNT over it is the same on both engines and the same as over a copy of the table whose values past L are
 *   NULL (rule 1: a long text reads as NULL, decided by the row alone, on every read).
 * Checked to fail without rule 1 (the column form reading texts whole: the counts over the two tables differ).
 * The 270 MB case itself is test/review/pg-long-text-alloc.test.ts.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import { compileTyped, type Env, Params } from '../../src/sql/compile-expr.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import type { PlanExpr } from '../../src/sql/plan.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { MAX_TEXT_EXPRESSION_BYTES, MAX_TEXT_VALUE_BYTES, textBytesBound } from '../../src/sql/text-bounds.js';
import { postgresTestUrl } from './postgres-url.js';

const L = MAX_TEXT_VALUE_BYTES;

/** Per row: v and w as SQL (repeat() keeps the statements short); null is NULL. */
const VALUES: readonly (readonly [string | null, string | null])[] = [
  ["''", "'a'"],
  ["' Ab '", null],
  [`repeat('a', ${L - 1})`, `repeat('ȿ', ${L / 2})`], // L − 1 bytes; exactly L bytes of 2-byte characters
  [`repeat('ȿ', ${L / 2})`, `repeat('b', ${L + 1})`], // exactly L; one past
  [`repeat('b', ${L + 1})`, `repeat('ȿ', ${L / 2}) || 'a'`], // one past; one past
  [`repeat('c', ${3 * L})`, "'ȿx'"],
  [null, `repeat('d', ${L})`],
  ["'mixed ȿ'", `repeat('e', ${3 * L})`],
];

const text = (v: string | null, cap: boolean) => {
  if (v === null) return 'NULL';
  // The capped table holds what rule 1 reads: NULL past L bytes (the byte length computed by the engine itself).
  return cap ? `(CASE WHEN octet_length(${v}) <= ${L} THEN ${v} END)` : v;
};

async function load(run: (sql: string) => Promise<unknown>, lengthFn: string): Promise<void> {
  for (const [table, cap] of [
    ['tb_long', false],
    ['tb_capped', true],
  ] as const) {
    await run(`DROP TABLE IF EXISTS ${table}`);
    await run(`CREATE TABLE ${table} (pid BIGINT, v VARCHAR, w VARCHAR, x BIGINT)`);
    const rows = VALUES.map(([v, w], i) => `(${i + 1}, ${text(v, cap)}, ${text(w, cap)}, ${i})`.replaceAll('octet_length', lengthFn));
    await run(`INSERT INTO ${table} VALUES ${rows.join(', ')}`);
  }
}

const schema = parseSqlSchema({
  dataset: 'text_bounds',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: Object.fromEntries(
    ['tb_long', 'tb_capped'].map((t) => [
      t,
      {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: {
          pid: { type: 'integer' },
          v: { type: 'string' },
          w: { type: 'string' },
          x: { type: 'integer', lower: 0, upper: 10 },
        },
      },
    ]),
  ),
});

/** A random text expression of the admitted constructs (SQL text). */
const textExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('v', 'w', "'ȿa'", "' pad '", 'CAST(x AS VARCHAR)'),
    tie('e').map((a) => `UPPER(${a})`),
    tie('e').map((a) => `LOWER(${a})`),
    tie('e').map((a) => `TRIM(${a})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a} || ${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `COALESCE(${a}, ${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `NULLIF(${a}, ${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `CASE WHEN x > 3 THEN ${a} ELSE ${b} END`),
    tie('e').map((a) => `CAST(${a} AS VARCHAR)`),
  ),
})).e;

type Outcome =
  | { readonly refused: string }
  | { readonly count: string; readonly capped: string; readonly maxBytes: bigint; readonly bound: number };

/** The tree's outcome on one engine: refused at compile time, or its counts over both tables and its widest value. */
async function outcome(engine: SqlEngine, expr: string): Promise<Outcome> {
  const count = async (table: string) => {
    const plan = planDpQuery(`SELECT COUNT(*) AS n FROM ${table} WHERE LENGTH(${expr}) >= 2`, schema);
    const compiled = compileDpQuery(plan, engine.dialect, 11n, schema);
    const input = compiled.inputs[0];
    if (input?.kind !== 'count') throw new Error('expected a count');
    const rows = await engine.query(compiled.main);
    return String(rows[0]?.[input.count] ?? 0);
  };
  try {
    const plan = planDpQuery(`SELECT COUNT(*) AS n FROM tb_long WHERE ${expr} IS NOT NULL`, schema);
    const where = plan.where as Extract<PlanExpr, { kind: 'isNull' }>;
    const env: Env = { plan, d: engine.dialect, p: new Params(engine.dialect), schema };
    const bound = textBytesBound(where.arg, (c) => c.column === 'v' || c.column === 'w');
    const typed = compileTyped(env, where.arg);
    const widest = env.p.finish(`SELECT MAX(${engine.dialect.textBytes(typed.sql)}) AS b FROM tb_long AS "tb_long"`);
    const rows = await engine.query(widest);
    const maxBytes = BigInt(String(rows[0]?.b ?? 0));
    return { count: await count('tb_long'), capped: await count('tb_capped'), maxBytes, bound };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'UNSUPPORTED_QUERY') return { refused: code };
    throw e;
  }
}

let duck: DuckDbEngine;
let postgres: PostgresEngine;
let client: pg.Client;
beforeAll(async () => {
  const url = postgresTestUrl();
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  postgres = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 120_000 });
  client = new pg.Client(url);
  await client.connect();
  await load((sql) => duck.connection.run(sql), 'strlen');
  await load((sql) => client.query(sql), 'octet_length');
}, 120_000);
afterAll(async () => {
  await client?.query('DROP TABLE IF EXISTS tb_long, tb_capped');
  await client?.end();
  await duck?.close();
  await postgres?.close();
});

describe('text size bounds (review S59’s class)', () => {
  it('a concatenation past the expression bound is refused before anything runs', async () => {
    const many = Array.from({ length: 70 }, () => 'v').join(' || ');
    for (const engine of [duck, postgres]) expect(await outcome(engine, many)).toEqual({ refused: 'UNSUPPORTED_QUERY' });
  }, 120_000);

  it('generative (fast-check, seed 2026120702): refused alike, or bounded, equal on both engines and equal to the capped table', async () => {
    await fc.assert(
      fc.asyncProperty(textExpr, async (expr) => {
        const [a, b] = [await outcome(duck, expr), await outcome(postgres, expr)];
        if ('refused' in a || 'refused' in b) {
          expect(b).toEqual(a);
          return;
        }
        expect(a.bound).toBeLessThanOrEqual(MAX_TEXT_EXPRESSION_BYTES);
        expect(a.maxBytes).toBeLessThanOrEqual(BigInt(a.bound));
        expect(b.maxBytes).toBeLessThanOrEqual(BigInt(b.bound));
        expect(a.count).toBe(a.capped);
        expect(b.count).toBe(b.capped);
        expect(b.count).toBe(a.count);
      }),
      { seed: 2026120702, numRuns: 60 },
    );
  }, 600_000);
});
