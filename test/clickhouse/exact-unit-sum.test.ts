/**
 * ClickHouse's per-unit sum is exact (clickhouse-compile.ts header, stop 21): a unit's sum of grid units in one group
 * is `sum(toDecimal128(v, 0))`, so its weighting to C values and its clamp are the same integers as on DuckDB and
 * PostgreSQL (HUGEINT / numeric) and as the BigInt reference those engines are tested against
 * (test/sql/scaled-to-cap-exact.test.ts). Before, `sum(Int64)` wrapped past 2⁶³ — at the 32-bit grids past 2³¹ rows
 * of one unit in one group, which no test can load; the same wrap shows on a few rows whose values are near 2⁶¹, so
 * the statement's per-unit columns (`unitColumns`, exactly as the compiler writes them) run here over such rows.
 * Checked to fail with `sum(tsdp_v0)` (the Int64 sum) in place of the Decimal128 one.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { unitColumns } from '../../src/sql/dialects/clickhouse-compile.js';
import { scaledToCapReference } from '../sql/scaled-to-cap-reference.js';
import { adminExec, clickhouseAvailable, type TestCluster, testCluster } from './cluster.js';

const DB = 'tsdp_exact_unit_sum';

/** One unit's values in the group (per-row grid units, each in [−M, M]). */
type Unit = readonly bigint[];

/** The reference: Σ over units of clamp(weighted(s, n), [−C·M, C·M]) — the group's SUM aggregate before noise. */
function reference(units: readonly Unit[], C: number, bound: bigint): bigint {
  let total = 0n;
  for (const values of units) {
    const s = values.reduce((a, b) => a + b, 0n);
    const n = BigInt(values.length);
    const w = n > BigInt(C) ? scaledToCapReference(s, n, BigInt(C)) : s;
    total += w > bound ? bound : w < -bound ? -bound : w;
  }
  return total;
}

describe.skipIf(!clickhouseAvailable)('the ClickHouse per-unit sum is exact past 2⁶³ (no Int64 wrap)', () => {
  let cluster: TestCluster;
  let base: string;
  beforeAll(async () => {
    cluster = testCluster();
    base = cluster.shards[0] as string;
    await adminExec(base, `CREATE DATABASE IF NOT EXISTS ${DB}`);
  }, 300_000);
  afterAll(async () => {
    await adminExec(base, `DROP DATABASE IF EXISTS ${DB}`).catch(() => {});
    cluster?.stop?.();
  });

  /** The group's SUM through the compiler's per-row, per-unit and per-group columns, on rows (unit, value). */
  async function viaStatement(table: string, units: readonly Unit[], C: number, bound: bigint): Promise<bigint> {
    await adminExec(base, `DROP TABLE IF EXISTS ${DB}.${table}`);
    await adminExec(base, `CREATE TABLE ${DB}.${table} (u Int64, v Int64) ENGINE = Memory`);
    const rows = units.flatMap((values, u) => values.map((v) => `(${u}, ${v})`));
    await adminExec(base, `INSERT INTO ${DB}.${table} VALUES ${rows.join(', ')}`);
    const { rowCols, unitCols, finalCols } = unitColumns(
      [{ kind: 'sum', name: 'tsdp_a0', perRow: 'v', bound, nonNegative: false }],
      C,
      clickhouseDialect,
    );
    const perRow = `(SELECT u AS tsdp_u, ${rowCols.join(', ')} FROM ${DB}.${table})`;
    const perUnit = `(SELECT tsdp_u, ${unitCols.join(', ')} FROM ${perRow} GROUP BY tsdp_u)`;
    const text = await adminExec(base, `SELECT ${finalCols.join(', ')} FROM ${perUnit} FORMAT TabSeparated`);
    return BigInt(text.trim());
  }

  it('regression: eight rows of 2⁶¹ − 1 (a sum of 2⁶⁴ − 8, which Int64 wraps to −8) weigh to C·M, not to −2', async () => {
    const C = 2;
    const M = 2n ** 61n - 1n;
    const units: Unit[] = [Array(8).fill(M), Array(5).fill(-M), [M, -M], [3n]];
    const bound = BigInt(C) * M;
    const want = reference(units, C, bound);
    expect(want).toBe(3n); // unit 0 weighs to +C·M, unit 1 to −C·M, unit 2 adds 0, unit 3 adds 3
    expect(await viaStatement('regression', units, C, bound)).toBe(want);
  }, 120_000);

  it('generative (fast-check, seed 2112): units whose sums pass ±2⁶³ give the BigInt reference', async () => {
    const unitArb = (M: bigint) =>
      fc.array(fc.oneof(fc.constant(M), fc.constant(-M), fc.bigInt({ min: -M, max: M })), { minLength: 1, maxLength: 12 });
    // C·M < 2⁶² (the compiler's checked bound); M near 2⁶⁰ passes ±2⁶³ within 12 values, a small M takes the 64-bit branch.
    const caseArb = fc
      .tuple(
        fc.integer({ min: 1, max: 4 }),
        fc.oneof(fc.bigInt({ min: 2n ** 58n, max: 2n ** 60n - 1n }), fc.bigInt({ min: 1n, max: 2n ** 20n })),
      )
      .chain(([C, M]) => fc.tuple(fc.constant(C), fc.constant(M), fc.array(unitArb(M), { minLength: 1, maxLength: 5 })));
    await fc.assert(
      fc.asyncProperty(caseArb, async ([C, M, units]) => {
        const bound = BigInt(C) * M;
        expect(await viaStatement('generative', units, C, bound)).toBe(reference(units, C, bound));
      }),
      { seed: 2112, numRuns: 25 },
    );
  }, 300_000);
});
