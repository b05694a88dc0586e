/**
 * SUM and AVG under `maxContributionsPerPartition` (C) release values of the data (reviewml, issue 11: AVG of values
 * all 80 released 30, the lower bound, because a unit's whole sum was clamped to ±C·M while its count was capped at
 * C). The rule (src/sql/scaled-to-cap.ts, compile.proof.md "Contribution bounding"): a unit with n > C values in a
 * group contributes C values equal to its mean there, so SUM = Σ_u min(n_u, C)·mean_u and AVG = SUM / Σ_u min(n_u, C),
 * a weighted mean of the (clamped) values.
 *
 * Generative (fast-check, seed 1119) over random per-unit row counts (1–12), values (some outside the bounds:
 * clamped) and C (1–4), on DuckDB: at ε = 10⁶ the released SUM and AVG equal that reference within 0.05, AVG lies
 * within the clamped data's [min, max] (± 0.05), and COUNT(*) is Σ min(n_u, C). Before the fix AVG and SUM left
 * that range whenever a unit held more than C rows. Failure probability ≤ 1e-6 over the whole run: the test
 * computes its bound from the noise scales and asserts it first. Regression: test/review/ml-sql-mean-bounding-honest.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
}, 60_000);
afterAll(async () => {
  await duck?.close();
});

const LOWER = 0;
const UPPER = 100;
const EPSILON = 1e6;
const RUNS = 40;

const clampValue = (x: number) => Math.min(UPPER, Math.max(LOWER, x));

/** The reference: per unit, min(n, C) values equal to its mean (of clamped values). */
function reference(units: readonly (readonly number[])[], C: number): { sum: number; count: number; min: number; max: number } {
  let sum = 0;
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const values of units) {
    const clamped = values.map(clampValue);
    const mean = clamped.reduce((a, b) => a + b, 0) / clamped.length;
    const kept = Math.min(clamped.length, C);
    sum += kept * mean;
    count += kept;
    min = Math.min(min, ...clamped);
    max = Math.max(max, ...clamped);
  }
  return { sum, count, min, max };
}

describe('SUM and AVG keep at most C values per unit and group (generative)', () => {
  it('the released SUM and AVG are the weighted sum and mean of the data, and AVG stays within its range', async () => {
    // Three outputs share ε equally (budget-split.ts) and AVG halves its share between sum and count: every noisy
    // quantity has ε ≥ ε/6. Discrete Laplace scale in value units ≤ C·U/(ε/6) for a sum (sensitivity C·U; AVG's
    // centred numerator C·(U − L)/2 is smaller) and C/(ε/6) for a count: P(|sum noise| > 0.05) ≤ e^(−0.05/scale),
    // P(count noise ≠ 0) ≤ 2e^(−1/countScale). An AVG with count ≥ 1 and no count noise errs by ≤ its sum noise.
    const worstC = 4;
    const scale = (worstC * UPPER) / (EPSILON / 6);
    const countScale = worstC / (EPSILON / 6);
    const perRelease = 2 * Math.exp(-0.05 / scale) + 2 * 2 * Math.exp(-1 / countScale);
    expect(3 * RUNS * perRelease).toBeLessThanOrEqual(1e-6);
    let table = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.double({ min: -20, max: 120, noNaN: true }), { minLength: 1, maxLength: 12 }), {
          minLength: 1,
          maxLength: 25,
        }),
        fc.integer({ min: 1, max: worstC }),
        async (units, C) => {
          const name = `v${table++}`;
          await duck.connection.run(`CREATE TABLE ${name} (pid BIGINT, w DOUBLE)`);
          const rows = units.flatMap((values, pid) => values.map((w) => `(${pid}, ${w})`));
          await duck.connection.run(`INSERT INTO ${name} VALUES ${rows.join(', ')}`);
          const schema = parseSqlSchema({
            dataset: 'mean_bounding_generative',
            budget: { epsilon: 1e7, delta: 1e-6 },
            tables: {
              [name]: {
                privacyUnit: 'pid',
                maxPartitions: 1,
                maxContributionsPerPartition: C,
                columns: { pid: { type: 'integer' }, w: { type: 'float', lower: LOWER, upper: UPPER } },
              },
            },
          });
          const r = await runDpSql({
            sql: `SELECT SUM(w) AS s, AVG(w) AS m, COUNT(*) AS n FROM ${name}`,
            schema,
            engine: duck,
            ledger: new MemoryLedger(),
            epsilon: EPSILON,
            rng: new SeededRandomSource(table),
          });
          await duck.connection.run(`DROP TABLE ${name}`);
          const [s, m, n] = (r.rows[0] ?? []).map(Number) as [number, number, number];
          const ref = reference(units, C);
          expect(n).toBe(ref.count);
          expect(Math.abs(s - ref.sum)).toBeLessThanOrEqual(0.05);
          expect(Math.abs(m - ref.sum / ref.count)).toBeLessThanOrEqual(0.05);
          expect(m).toBeGreaterThanOrEqual(ref.min - 0.05);
          expect(m).toBeLessThanOrEqual(ref.max + 0.05);
        },
      ),
      { numRuns: RUNS, seed: 1119 },
    );
  }, 300_000);
});
