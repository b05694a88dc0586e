/**
 * SQL analysts expect (issue 11): EXTRACT(part FROM d), year(d)/quarter(d)/month(d)/day(d) and
 * date_trunc('unit', d) on date columns, and GROUP BY a boolean column without declaring its two values
 * (public by type). The date functions compile to the same total SQL on both engines (NULL for NULL or
 * infinite dates, never an engine error); the exact (un-noised) results of the compiled SQL are compared
 * between DuckDB and PostgreSQL, on data with NULL, infinite, leap and boundary dates.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';
import { postgresTestUrl } from './postgres-url.js';

const schema = (): SqlSchema =>
  parseSqlSchema({
    dataset: 'events',
    budget: { epsilon: 10, delta: 1e-6 },
    tables: {
      events: {
        columns: {
          d: { type: 'date' },
          flag: { type: 'boolean' },
          v: { type: 'integer', lower: 0, upper: 10 },
          note: { type: 'string' },
        },
      },
    },
  });

const DATES = [
  '2020-02-29',
  '2020-12-31',
  '2021-01-01',
  '1999-03-15',
  '1900-01-01',
  '2024-07-04',
  '2024-07-31',
  '2023-11-30',
  'infinity',
  '-infinity',
  null,
];
const ROWS: [string | null, boolean | null, number, string][] = DATES.flatMap((d, i) => [
  [d, i % 3 === 0 ? null : i % 2 === 0, i % 11, `n${i}`],
  [d, i % 2 === 1, (i * 7) % 11, 'x'],
]);

/** Dates before year 1, after 9999 and beyond the TIMESTAMP range (written the same way for both engines). */
const EXTREME_DATES = [
  "CAST('0001-01-01' AS DATE) - 400",
  "CAST('0001-01-01' AS DATE)",
  "CAST('9999-12-31' AS DATE)",
  "CAST('9999-12-31' AS DATE) + 1",
  "CAST('9999-12-31' AS DATE) + 110000000",
];

let duck: DuckDbEngine;
let pgEngine: PostgresEngine;

beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  await duck.connection.run('CREATE TABLE events (d DATE, flag BOOLEAN, v BIGINT, note VARCHAR)');
  for (const r of ROWS) await duck.connection.run('INSERT INTO events VALUES (CAST($1 AS DATE), $2, $3, $4)', r as never);
  for (const extra of EXTREME_DATES) await duck.connection.run(`INSERT INTO events VALUES (${extra}, true, 3, 'extreme')`);
  const url = postgresTestUrl();
  const c = new pg.Client(url);
  await c.connect();
  try {
    await c.query('DROP TABLE IF EXISTS events');
    await c.query('CREATE TABLE events (d date, flag boolean, v bigint, note text)');
    for (const r of ROWS) await c.query('INSERT INTO events VALUES ($1::date, $2, $3, $4)', r);
    for (const extra of EXTREME_DATES) await c.query(`INSERT INTO events VALUES (${extra}, true, 3, 'extreme')`);
    // As an administrator would: the engine queries as the read-only role tsdp_reader when that role exists.
    await c.query(
      "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tsdp_reader') THEN GRANT SELECT ON events TO tsdp_reader; END IF; END $$",
    );
  } finally {
    await c.end();
  }
  pgEngine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 20_000 });
}, 60_000);

afterAll(async () => {
  await duck?.close();
  await pgEngine?.close();
});

/** A comparable text of an engine value (dates as YYYY-MM-DD whatever the driver returns). */
function show(v: unknown): string {
  if (v instanceof Date) {
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${v.getFullYear()}-${pad(v.getMonth() + 1)}-${pad(v.getDate())}`;
  }
  // PostgreSQL's driver returns BIGINT as text, DuckDB's as a number or bigint.
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string') return String(v);
  return JSON.stringify(v) ?? 'undefined';
}

/** The exact rows of the compiled main statement, as sorted text. */
async function exactRows(sql: string, engine: SqlEngine): Promise<string[]> {
  const plan = planDpQuery(sql, schema());
  const compiled = compileDpQuery(plan, engine.dialect, 3n, schema());
  const rows = await engine.query(compiled.main);
  return rows.map((r) => Object.values(r).map(show).join(' | ')).sort();
}

function refusal(sql: string): string {
  try {
    planDpQuery(sql, schema());
  } catch (e) {
    if (e instanceof DpError && e.code === 'UNSUPPORTED_QUERY') return e.message;
    throw e;
  }
  throw new Error(`accepted: ${sql}`);
}

describe('date functions and boolean keys: planning', () => {
  it('plans EXTRACT, year/quarter/month/day and date_trunc on date columns', () => {
    const plan = planDpQuery(
      "SELECT EXTRACT(YEAR FROM d) AS y, month(d) AS m, COUNT(*) AS n FROM events WHERE date_trunc('month', d) = DATE '2020-02-01' AND quarter(d) = 1 AND day(d) > 3 GROUP BY 1, 2",
      schema(),
    );
    expect(plan.groupBy.map((k) => k.expr)).toEqual([
      { kind: 'func', name: 'year', args: [{ kind: 'column', source: 0, column: 'd' }] },
      { kind: 'func', name: 'month', args: [{ kind: 'column', source: 0, column: 'd' }] },
    ]);
    // The year's keys come from DP partition selection; the month's are 1..12, public by type.
    expect(plan.groupBy.map((k) => k.categories)).toEqual([null, Array.from({ length: 12 }, (_, i) => i + 1)]);
  });

  it('groups by a boolean column with its two keys, without declaring them', () => {
    const plan = planDpQuery('SELECT flag, COUNT(*) AS n FROM events GROUP BY flag', schema());
    expect(plan.groupBy[0]?.categories).toEqual([true, false]);
  });

  it('refuses date functions of non-dates, other units and other parts', () => {
    expect(refusal('SELECT COUNT(*) FROM events WHERE year(v) = 2020')).toMatch(/YEAR of a value that is not a date/);
    expect(refusal("SELECT COUNT(*) FROM events WHERE date_trunc('hour', d) = DATE '2020-01-01'")).toMatch(
      /DATE_TRUNC with these arguments/,
    );
    expect(refusal("SELECT COUNT(*) FROM events WHERE date_trunc(note, d) = DATE '2020-01-01'")).toMatch(/DATE_TRUNC/);
    expect(refusal('SELECT COUNT(*) FROM events WHERE EXTRACT(EPOCH FROM d) > 0')).toMatch(/EXTRACT of this part/);
    expect(refusal('SELECT COUNT(*) FROM events WHERE month(note) = 1')).toMatch(/not a date/);
  });
});

describe('date functions and boolean keys: identical on DuckDB and PostgreSQL', () => {
  const queries = [
    'SELECT EXTRACT(YEAR FROM d) AS y, COUNT(*) AS n, SUM(v) AS s FROM events GROUP BY 1',
    'SELECT month(d) AS m, COUNT(*) AS n FROM events GROUP BY m',
    'SELECT quarter(d) AS q, day(d) AS dd, COUNT(*) AS n FROM events GROUP BY 1, 2',
    "SELECT date_trunc('month', d) AS m, COUNT(*) AS n FROM events GROUP BY 1",
    "SELECT date_trunc('year', d) AS y, date_trunc('quarter', d) AS q, COUNT(*) AS n FROM events GROUP BY 1, 2",
    'SELECT flag, COUNT(*) AS n, SUM(v) AS s FROM events GROUP BY flag',
    'SELECT v > 5 AS big, COUNT(*) AS n FROM events GROUP BY 1',
    "SELECT COUNT(*) AS n FROM events WHERE year(d) = 2020 AND date_trunc('year', d) = DATE '2020-01-01'",
  ];
  for (const sql of queries) {
    it(`agrees on ${sql}`, async () => {
      const [a, b] = [await exactRows(sql, duck), await exactRows(sql, pgEngine)];
      expect(a.length).toBeGreaterThan(0);
      expect(b).toEqual(a);
    });
  }

  it('releases exactly the two boolean keys (the NULL group is not released) and the twelve months (seeded: deterministic)', async () => {
    for (const engine of [duck, pgEngine]) {
      const flags = await runDpSql({
        sql: 'SELECT flag, COUNT(*) AS n FROM events GROUP BY flag ORDER BY flag',
        schema: schema(),
        engine,
        ledger: new MemoryLedger(),
        epsilon: 1,
        rng: new SeededRandomSource(5),
      });
      expect(flags.rows.map((r) => r[0])).toEqual([false, true]);
      const months = await runDpSql({
        sql: 'SELECT month(d) AS m, COUNT(*) AS n FROM events GROUP BY m ORDER BY m',
        schema: schema(),
        engine,
        ledger: new MemoryLedger(),
        epsilon: 1,
        rng: new SeededRandomSource(6),
      });
      expect(months.rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    }
  });

  it('generative: any date part or truncation of any date (NULL, infinite, leap, boundary) evaluates without error and agrees', async () => {
    const fn = fc.constantFrom(
      (x: string) => `EXTRACT(YEAR FROM ${x})`,
      (x: string) => `EXTRACT(MONTH FROM ${x})`,
      (x: string) => `EXTRACT(QUARTER FROM ${x})`,
      (x: string) => `EXTRACT(DAY FROM ${x})`,
      (x: string) => `year(${x})`,
      (x: string) => `month(${x})`,
      (x: string) => `day(${x})`,
      (x: string) => `year(date_trunc('quarter', ${x}))`,
      (x: string) => `month(date_trunc('month', ${x}))`,
      (x: string) => `day(date_trunc('year', ${x}))`,
    );
    await fc.assert(
      fc.asyncProperty(fn, fc.integer({ min: 0, max: 3000 }), async (f, year) => {
        const sql = `SELECT COUNT(*) AS n, SUM(v) AS s FROM events WHERE ${f('d')} >= ${year % 32} OR ${f('d')} IS NULL`;
        const [a, b] = [await exactRows(sql, duck), await exactRows(sql, pgEngine)];
        expect(b, sql).toEqual(a);
      }),
      { numRuns: 40, seed: 611 },
    );
  });
});
