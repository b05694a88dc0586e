/**
 * Every released value is finite (issue 10, item 4; src/sql/finite-release.ts):
 * bounds whose sums (× contributions × partitions, plus the noise) could
 * overflow a double are refused before anything is charged, and everything
 * released is a finite number.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

let duck: DuckDbEngine;

beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  await duck.connection.run('CREATE TABLE adult (id BIGINT, age BIGINT, x DOUBLE, g VARCHAR)');
  await duck.connection.run(
    "INSERT INTO adult SELECT i, 17 + i % 74, CASE WHEN i % 7 = 0 THEN 1e308 WHEN i % 11 = 0 THEN -1e308 ELSE i * 1.5 END, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END FROM range(1, 400) t(i)",
  );
});

afterAll(async () => {
  await duck?.close();
});

const adultSchema = (x: [number, number], C = 1, P = 1) =>
  parseSqlSchema({
    dataset: 'adult',
    budget: { epsilon: 1e9, delta: 0.5 },
    tables: {
      adult: {
        privacyUnit: 'id',
        maxContributionsPerPartition: C,
        maxPartitions: P,
        columns: {
          id: { type: 'integer' },
          age: { type: 'integer', lower: 17, upper: 90 },
          x: { type: 'float', lower: x[0], upper: x[1] },
          g: { type: 'string', categories: ['a', 'b'] },
        },
      },
    },
  });

function everyNumberFinite(
  rows: readonly (readonly unknown[])[],
  intervals: Record<string, readonly ([number, number] | null)[]>,
): boolean {
  const cells = rows.flat().filter((v) => typeof v === 'number') as number[];
  const ends = Object.values(intervals).flatMap((col) => col.flatMap((iv) => iv ?? [])) as number[];
  return [...cells, ...ends].every(Number.isFinite);
}

describe('non-finite releases are refused before the charge', () => {
  it('regression: SUM(CASE WHEN age > 50 THEN 1e308 ELSE -1e308 END) is refused, nothing charged (issue 10, item 4)', async () => {
    const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-finite-')) });
    const err = await runDpSql({
      sql: 'SELECT SUM(CASE WHEN age > 50 THEN 1e308 ELSE -1e308 END) AS s FROM adult',
      schema: adultSchema([0, 10]),
      engine: duck,
      ledger,
      epsilon: 1,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpError);
    expect(err).toMatchObject({ code: 'UNSUPPORTED_QUERY' });
    expect((err as Error).message).toMatch(/overflow/);
    expect(await ledger.entries('adult')).toHaveLength(0);
  });

  it('random aggregates, bounds, contribution bounds and budgets: refused uncharged, or every released number finite (fast-check, seed 4)', async () => {
    const magnitude = fc.constantFrom(0, 1, 1e3, 1e100, 1e150, 1e200, 1e280, 1e300, 1e307, 1.7976931348623157e308);
    const boundsArb = fc
      .tuple(magnitude, magnitude, fc.boolean(), fc.boolean())
      .map(([a, b, na, nb]) => [na ? -a : a, nb ? -b : b].sort((p, q) => p - q) as [number, number])
      .filter(([lo, hi]) => lo < hi);
    const aggregate = fc.constantFrom(
      'SUM(x)',
      'AVG(x)',
      'VARIANCE(x)',
      'STDDEV(x)',
      'MEDIAN(x)',
      'COUNT(*)',
      'SUM(x * 1e300)',
      'SUM(CASE WHEN age > 50 THEN 1e308 ELSE -1e308 END)',
      'SUM(x) / COUNT(*)',
    );
    let refused = 0;
    let released = 0;
    await fc.assert(
      fc.asyncProperty(
        boundsArb,
        aggregate,
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 2 }),
        fc.constantFrom(1e-300, 1e-30, 0.1, 1, 1e6),
        fc.boolean(),
        fc.integer({ min: 1, max: 1000 }),
        async (bounds, agg, C, P, epsilon, grouped, seed) => {
          const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-finite-')) });
          const sql = grouped ? `SELECT g, ${agg} AS v FROM adult GROUP BY g` : `SELECT ${agg} AS v FROM adult`;
          try {
            const r = await runDpSql({
              sql,
              schema: adultSchema(bounds, C, P),
              engine: duck,
              ledger,
              epsilon,
              rng: new SeededRandomSource(seed),
            });
            expect(everyNumberFinite(r.rows, r.intervals), `${sql} bounds ${bounds}`).toBe(true);
            expect(r.rows.flat().some((v) => v === null && !grouped)).toBe(false);
            released++;
          } catch (e) {
            expect(e, sql).toBeInstanceOf(DpError);
            expect((e as DpError).code, sql).not.toBe('ENGINE_ERROR');
            expect((e as DpError).code, sql).not.toBe('INTERNAL');
            expect(await ledger.entries('adult'), sql).toHaveLength(0);
            refused++;
          }
        },
      ),
      { numRuns: 150, seed: 4 },
    );
    expect(refused).toBeGreaterThan(10);
    expect(released).toBeGreaterThan(10);
  }, 300_000);
});
