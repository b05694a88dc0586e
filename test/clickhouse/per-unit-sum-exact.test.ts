/**
 * A unit's sum in one group is exact on ClickHouse whatever its row count (trust-classes "Stop 22"; rule in
 * clickhouse-compile.ts's header, "Integer arithmetic").
 *
 * Class: 18.16's `sum(Int64)` wraps silently. The per-(unit, keys) sum was `sum(Int64)` of the rows' grid units, so
 * a unit with ≥ 2³¹ rows of 2³² units in one group wrapped and then added −C·M (or a weighted value of the wrong
 * sign) where DuckDB and PostgreSQL add +C·M: the release changed (the bound held: a function of that unit's rows,
 * clamped). 2³¹ rows are not affordable in a test, so the per-(unit, keys) columns of `unitColumns` run here on rows
 * whose values are near the Int64 limit (|v| ≤ M ≈ 2⁶²/C): a few rows of one unit pass 2⁶³ the same way. Checked
 * against the BigInt reference: Σv exact, weighted to C values when n > C (`scaledToCapReference`), clamped to
 * [−C·M, C·M] (or [0, C·M] for a non-negative field), one row per unit. Failed before the fix (a 3-row unit of
 * C = 1 gave −C·M for +C·M).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { type Field, unitColumns } from '../../src/sql/dialects/clickhouse-compile.js';
import { intLiteral as int } from '../../src/sql/dialects/clickhouse-literals.js';
import { scaledToCapReference } from '../sql/scaled-to-cap-reference.js';
import { adminExec, clickhouseAvailable, type TestCluster, testCluster } from './cluster.js';

/** One statement's units (each a list of per-row values) under one C, per-row bound M and sign rule. */
interface Case {
  readonly C: number;
  readonly M: bigint;
  readonly nonNegative: boolean;
  readonly units: readonly (readonly bigint[])[];
}

const LIMIT = 2n ** 62n - 1n; // C·M < 2⁶² (the compiler's checked bound)

/** The per-unit values the statement should give: exact sum, weighted, clamped. */
function reference(c: Case): string[] {
  const bound = BigInt(c.C) * c.M;
  const lo = c.nonNegative ? 0n : -bound;
  return c.units.map((vs) => {
    const s = vs.reduce((a, b) => a + b, 0n);
    const w = scaledToCapReference(s, BigInt(vs.length), BigInt(c.C));
    return (w < lo ? lo : w > bound ? bound : w).toString();
  });
}

/** The per-(unit, keys) and per-group columns of one sum field over the case's rows, one output row per unit. */
function statement(c: Case): string {
  const field: Field = { kind: 'sum', name: 'tsdp_a0', perRow: 'v', bound: BigInt(c.C) * c.M, nonNegative: c.nonNegative };
  const { rowCols, unitCols, finalCols } = unitColumns([field], c.C, clickhouseDialect);
  const tuples = c.units.flatMap((vs, u) => vs.map((v) => `tuple(${int(u)}, ${int(v)})`));
  const source = `(SELECT tupleElement(t, 1) AS u, tupleElement(t, 2) AS v FROM (SELECT arrayJoin([${tuples.join(', ')}]) AS t))`;
  const rows = `(SELECT ${['u AS tsdp_u', ...rowCols].join(', ')} FROM ${source})`;
  const perUnit = `(SELECT ${['tsdp_u', ...unitCols].join(', ')} FROM ${rows} GROUP BY tsdp_u)`;
  return `SELECT ${['tsdp_u', ...finalCols].join(', ')} FROM ${perUnit} GROUP BY tsdp_u ORDER BY tsdp_u FORMAT TabSeparated`;
}

async function run(base: string, c: Case): Promise<string[]> {
  const text = await adminExec(base, statement(c));
  return text
    .trim()
    .split('\n')
    .map((line) => line.split('\t')[1] as string);
}

/** Values biased to ±M (where a few rows wrap Int64), and anything in between. */
const caseArbitrary: fc.Arbitrary<Case> = fc
  .record({ C: fc.integer({ min: 1, max: 4 }), shrink: fc.bigInt({ min: 0n, max: 2n ** 40n }), nonNegative: fc.boolean() })
  .chain(({ C, shrink, nonNegative }) => {
    const M = LIMIT / BigInt(C) - shrink;
    const value = fc.oneof(
      fc.constantFrom(M, M - 1n, nonNegative ? 0n : -M, nonNegative ? 1n : 1n - M),
      fc.bigInt({ min: nonNegative ? 0n : -M, max: M }),
    );
    return fc.record({
      C: fc.constant(C),
      M: fc.constant(M),
      nonNegative: fc.constant(nonNegative),
      units: fc.array(fc.array(value, { minLength: 1, maxLength: 9 }), { minLength: 1, maxLength: 6 }),
    });
  });

let cluster: TestCluster;

describe.skipIf(!clickhouseAvailable)('ClickHouse per-unit sums are exact past Int64 (stop 22)', () => {
  beforeAll(() => {
    cluster = testCluster();
  }, 120_000);
  afterAll(() => cluster?.stop?.());

  it('a unit whose Int64 sum would wrap adds +C·M, not −C·M (regression: C = 1, three rows of M)', async () => {
    const M = LIMIT;
    const c: Case = {
      C: 1,
      M,
      nonNegative: false,
      units: [
        [M, M, M],
        [-M, -M, -M],
        [M, M],
      ],
    };
    expect(reference(c)).toEqual([M.toString(), (-M).toString(), M.toString()]);
    expect(await run(cluster.shards[0] as string, c)).toEqual(reference(c));
  }, 60_000);

  it('generative (fast-check, seed 2212, 40 runs): every unit gets the BigInt reference (exact Σ, weighted, clamped)', async () => {
    const base = cluster.shards[0] as string;
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async (c) => {
        expect(await run(base, c)).toEqual(reference(c));
      }),
      { seed: 2212, numRuns: 40 },
    );
  }, 120_000);
});
