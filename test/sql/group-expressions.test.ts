/**
 * GROUP BY on row expressions (FLOOR(age / 10) * 10, a CASE, a condition): evaluated in the
 * engine like a column; their public keys follow from the schema alone where they can (the
 * exact image of an integer expression of one bounded integer column, the literal results of a
 * CASE, true/false), otherwise they are chosen by DP partition selection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { duckdbWithVisits } from './data.js';
import { MemoryLedger, visitsSchema } from './fixtures.js';

const refusal = (sql: string): DpError => {
  try {
    planDpQuery(sql, visitsSchema());
  } catch (e) {
    if (e instanceof DpError) return e;
    throw e;
  }
  throw new Error('not refused');
};

describe('planning GROUP BY expressions', () => {
  it('declares the exact image of an integer expression of one bounded integer column', () => {
    const plan = planDpQuery('SELECT FLOOR(day / 10) * 10 AS d, COUNT(*) AS n FROM visits GROUP BY d', visitsSchema());
    expect(plan.groupBy.map((k) => [k.name, k.categories])).toEqual([['d', [0, 10, 20, 30]]]);
    expect(plan.outputs[0]).toEqual({ kind: 'key', name: 'd', key: 0 });
  });

  it('declares the literal results of a CASE and true/false for a condition; matches the SELECT item by expression, alias or position', () => {
    const plan = planDpQuery(
      "SELECT CASE WHEN day > 15 THEN 'late' WHEN day > 5 THEN 'mid' ELSE 'early' END AS part, minutes > 30 AS long, COUNT(*) FROM visits GROUP BY part, minutes > 30",
      visitsSchema(),
    );
    expect(plan.groupBy.map((k) => k.categories)).toEqual([
      ['late', 'mid', 'early'],
      [true, false],
    ]);
    expect(plan.outputs.slice(0, 2)).toEqual([
      { kind: 'key', name: 'part', key: 0 },
      { kind: 'key', name: 'long', key: 1 },
    ]);
  });

  it('falls back to DP partition selection when no key set follows from the schema', () => {
    const plan = planDpQuery('SELECT amount / 7 AS a, COUNT(*) FROM visits GROUP BY 1', visitsSchema());
    expect(plan.groupBy[0]?.categories).toBeNull();
  });

  it('refuses expressions of the privacy unit, constants, and an unrelated column in the output', () => {
    expect(refusal('SELECT COUNT(*) FROM visits GROUP BY person_id + 1').message).toMatch(/expression of the privacy unit/);
    expect(refusal('SELECT COUNT(*) FROM visits GROUP BY 1 + 1').message).toMatch(/GROUP BY a constant/);
    expect(refusal('SELECT day + 1 AS d, COUNT(*) FROM visits GROUP BY day + 2').message).toMatch(/the column "day" after GROUP BY/);
  });
});

describe('running GROUP BY expressions', () => {
  let duck: DuckDbEngine;
  beforeAll(async () => {
    duck = await duckdbWithVisits();
  });
  afterAll(async () => {
    await duck?.close();
  });

  it('releases exactly the declared image, even empty keys, and drops keys outside it (data above the bounds) (seeded: deterministic)', async () => {
    const r = await runDpSql({
      // minutes lie in 0..89 in the data but are declared 0..60: keys 70 and 80 are outside the public image.
      sql: 'SELECT FLOOR(minutes / 10) * 10 AS m10, COUNT(*) AS n FROM visits GROUP BY m10 ORDER BY m10',
      schema: visitsSchema(),
      engine: duck,
      ledger: new MemoryLedger(),
      epsilon: 1,
      rng: new SeededRandomSource(4),
    });
    expect(r.rows.map((row) => row[0])).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(r.intervals.n).toHaveLength(7);
  });
});
