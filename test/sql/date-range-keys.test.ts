/**
 * Issue 11: a date column may declare its public range (`lower`/`upper` as YYYY-MM-DD), so `year(d)` and
 * `date_trunc(unit, d)` GROUP BY keys are enumerated from the schema (declared keys: every one released, even empty,
 * no δ needed); without the range they still pass DP partition selection and need δ. The format refuses date bounds on
 * other columns, numeric bounds on dates, impossible dates and an upper before the lower. Generative: the enumerated
 * keys equal DuckDB's own date_trunc/year over every day of the range.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { dateRangeKeys } from '../../src/sql/plan/date-keys.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

const schema = (range?: { lower: string; upper: string }): SqlSchema =>
  parseSqlSchema({
    dataset: 'events',
    budget: { epsilon: 10 },
    tables: { events: { columns: { d: { type: 'date', ...(range ?? {}) }, v: { type: 'integer', lower: 0, upper: 10 } } } },
  });
const RANGE = { lower: '2020-02-15', upper: '2021-05-02' };

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  await duck.connection.run('CREATE TABLE events (d DATE, v BIGINT)');
  // Inside the range, before it, after it, NULL and infinite.
  for (const d of ['2020-02-15', '2020-03-01', '2020-12-31', '2021-05-02', '2019-06-01', '2022-01-01', null, 'infinity'])
    await duck.connection.run('INSERT INTO events VALUES (CAST($1 AS DATE), 3)', [d] as never);
});
afterAll(async () => {
  await duck?.close();
});

async function keys(sql: string, s: SqlSchema): Promise<unknown[]> {
  const r = await runDpSql({ sql, schema: s, engine: duck, ledger: new MemoryLedger(), epsilon: 1, rng: new SeededRandomSource(11) });
  return r.rows.map((row) => (typeof row[0] === 'bigint' ? Number(row[0]) : row[0]));
}

describe('date keys from a declared date range (issue 11)', () => {
  it('year(d) releases every year of the range with ε alone (no δ), dates outside the range in no group', async () => {
    expect(await keys('SELECT year(d) AS y, COUNT(*) AS n FROM events GROUP BY 1 ORDER BY 1', schema(RANGE))).toEqual([2020, 2021]);
  });

  it("date_trunc('quarter' | 'month', d) releases every truncated date of the range, in order, with ε alone", async () => {
    expect(await keys("SELECT date_trunc('quarter', d) AS q, COUNT(*) AS n FROM events GROUP BY 1 ORDER BY 1", schema(RANGE))).toEqual([
      '2020-01-01',
      '2020-04-01',
      '2020-07-01',
      '2020-10-01',
      '2021-01-01',
      '2021-04-01',
    ]);
    const months = await keys("SELECT date_trunc('month', d) AS m, COUNT(*) AS n FROM events GROUP BY 1 ORDER BY 1", schema(RANGE));
    expect(months).toHaveLength(16);
    expect([months[0], months[15]]).toEqual(['2020-02-01', '2021-05-01']);
  });

  it('without a declared range the same keys need δ (DP partition selection), as before', async () => {
    await expect(keys('SELECT year(d) AS y, COUNT(*) AS n FROM events GROUP BY 1', schema())).rejects.toThrow(/delta/);
    expect(planDpQuery('SELECT year(d) AS y, COUNT(*) AS n FROM events GROUP BY 1', schema()).groupBy[0]?.categories).toBeNull();
  });

  it('more keys than an expression may declare (date_trunc by day over 1000+ days) fall back to partition selection', () => {
    const wide = schema({ lower: '2000-01-01', upper: '2003-12-31' });
    expect(planDpQuery("SELECT date_trunc('day', d) AS x, COUNT(*) AS n FROM events GROUP BY 1", wide).groupBy[0]?.categories).toBeNull();
    expect(
      planDpQuery("SELECT date_trunc('month', d) AS x, COUNT(*) AS n FROM events GROUP BY 1", wide).groupBy[0]?.categories,
    ).toHaveLength(48);
  });

  it('the format refuses date bounds on other columns, numeric bounds on dates, impossible dates, one bound alone and an upper before the lower', () => {
    const refusal = (column: Record<string, unknown>): string => {
      try {
        parseSqlSchema({ budget: { epsilon: 1 }, tables: { t: { columns: { c: column } } } });
      } catch (e) {
        if (e instanceof DpError) return e.message;
        throw e;
      }
      throw new Error('accepted');
    };
    expect(refusal({ type: 'integer', lower: '2020-01-01', upper: '2020-12-31' })).toMatch(/finite number on a numeric column/);
    expect(refusal({ type: 'date', lower: 0, upper: 10 })).toMatch(/calendar date/);
    expect(refusal({ type: 'date', lower: '2021-02-29', upper: '2021-12-31' })).toMatch(/calendar date/);
    expect(refusal({ type: 'date', lower: '2021-01-01' })).toMatch(/with lower/);
    expect(refusal({ type: 'date', lower: '2021-01-02', upper: '2021-01-01' })).toMatch(/not before lower/);
    expect(refusal({ type: 'date', lower: '2021-1-1', upper: '2021-12-31' })).toMatch(/YYYY-MM-DD/);
    expect(refusal({ type: 'string', lower: '2021-01-01', upper: '2021-12-31' })).toMatch(/bounds only on/);
    expect(
      parseSqlSchema({
        budget: { epsilon: 1 },
        tables: { t: { columns: { c: { type: 'date', lower: '2020-02-29', upper: '2020-02-29' } } } },
      })
        .tables.get('t')
        ?.columns.get('c')?.dateRange,
    ).toEqual({ lower: '2020-02-29', upper: '2020-02-29' });
  });

  it('generative (fast-check, seed 1141): the enumerated keys are exactly DuckDB’s date_trunc and year over every day of the range', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1000, max: 9999 }),
        fc.integer({ min: 0, max: 364 }),
        fc.integer({ min: 0, max: 900 }),
        fc.constantFrom('year', 'quarter', 'month', 'day'),
        async (year, dayOfYear, span, unit) => {
          const day = (n: number) => {
            const t = new Date(0);
            t.setUTCFullYear(year, 0, 1 + n);
            return t.getUTCFullYear() > 9999 ? '9999-12-31' : t.toISOString().slice(0, 10);
          };
          const row = { lower: day(dayOfYear), upper: day(dayOfYear + span) };
          const range = { lower: String(row?.lower), upper: String(row?.upper) };
          const s = schema(range);
          const column = s.tables.get('events')?.columns.get('d');
          const col = { kind: 'column', source: 0, column: 'd' } as const;
          const expr =
            unit === 'year' && span % 2 === 0
              ? ({ kind: 'func', name: 'year', args: [col] } as const)
              : ({ kind: 'func', name: 'date_trunc', args: [{ kind: 'literal', value: unit }, col] } as const);
          const ours = dateRangeKeys(expr, () => column, 1000);
          const days = `SELECT DATE '${range.lower}' + CAST(i AS INTEGER) AS x FROM range(0, ${span + 1}) t(i)`;
          const truth = (
            await duck.connection.runAndReadAll(
              expr.name === 'year'
                ? `SELECT DISTINCT year(x) AS k FROM (${days}) WHERE x <= DATE '${range.upper}' ORDER BY 1`
                : `SELECT DISTINCT CAST(CAST(date_trunc('${unit}', x) AS DATE) AS VARCHAR) AS k FROM (${days}) WHERE x <= DATE '${range.upper}' ORDER BY 1`,
            )
          )
            .getRows()
            .map((r) => ({ k: r[0] }));
          const expected = truth.map((r) => (expr.name === 'year' ? Number(r.k) : String(r.k)));
          expect(ours).toEqual(expected.length <= 1000 ? expected : null);
        },
      ),
      { numRuns: 150, seed: 1141 },
    );
  }, 120_000);
});
