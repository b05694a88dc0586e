/**
 * The class of review3's finding (stop 19): a unit's sum weighted to C values (`src/sql/scaled-to-cap.ts`) must be
 * the same integer on DuckDB, PostgreSQL and ClickHouse and equal the BigInt reference ⌊s·C/n + ½⌋, for every
 * (s, n, C, B) the compiled statements can meet — values near every limit: C = 1 and C = 2³¹ − 1, per-row bounds
 * M up to the grids' 2³² (so C·M up to 2⁶³ − 2³²), s at ±n·M (and one off), exact ties (n = 2C, s odd), counts up to 2⁴⁹ past C, NULL sums and the n ≤ C branch. ClickHouse gets its own range: s is its per-unit Int64 and
 * C·M < 2⁶² (checked before the charge there).
 *
 * Generative (fast-check, seed 2026120701): each run writes one statement per engine with the compiled fragment
 * for a batch of cases (s, n as typed columns, C and B as the compiler writes them: bind parameters on DuckDB and
 * PostgreSQL, inlined literals on ClickHouse), and compares every value as decimal text. Checked to fail with the
 * double formula the fix replaced (FLOOR(CAST(s AS DOUBLE)·C/n + ½)) on all three engines.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Params } from '../../src/sql/compile-expr.js';
import type { SqlDialect } from '../../src/sql/dialect.js';
import { clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { intLiteral } from '../../src/sql/dialects/clickhouse-literals.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { scaledToCap } from '../../src/sql/scaled-to-cap.js';
import { adminExec, clickhouseAvailable, type TestCluster, testCluster } from '../clickhouse/cluster.js';
import { postgresTestUrl } from './postgres-url.js';
import { scaledToCapReference } from './scaled-to-cap-reference.js';

/** One weighting: the unit's sum s (null: no values), its count n, C and the clamp bound B = C·M. */
interface Case {
  readonly s: bigint | null;
  readonly n: bigint;
  readonly C: number;
  readonly bound: bigint;
}

const MAX_C = 2 ** 31 - 1;
/** The largest per-row bound the SQL grids give (32 bits: sums, means and the squares of 16-bit units). */
const MAX_M = 2n ** 32n;
const INT64_MAX = 2n ** 63n - 1n;

/** Cases near the limits; `clickhouse`: |s| < 2⁶³ and C·M < 2⁶² (ClickHouse's per-unit Int64 and its checked bound). */
function caseArbitrary(clickhouse: boolean): fc.Arbitrary<Case> {
  const C = fc.oneof(fc.constant(1), fc.constant(MAX_C), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: MAX_C }));
  const M = fc.oneof(fc.constant(1n), fc.constant(MAX_M), fc.bigInt({ min: 1n, max: MAX_M }));
  return fc
    .tuple(C, M, fc.nat({ max: 7 }), fc.bigInt({ min: 0n, max: 2n ** 49n }), fc.bigInt({ min: -(2n ** 120n), max: 2n ** 120n }), fc.nat(3))
    .map(([c, m0, shape, extra, pick, nullOrSmall]) => {
      const cap = BigInt(c);
      const m = clickhouse && cap * m0 >= 2n ** 62n ? (2n ** 62n - 1n) / cap : m0;
      // n: just past C, twice C (ties), far past C (up to 2⁴⁹ more), or the unweighted branch (n ≤ C, 0 with no values).
      const n = shape === 0 ? cap + 1n : shape === 1 ? 2n * cap : shape === 7 ? extra % (cap + 1n) : cap + 1n + extra;
      let reach = n * m;
      if (clickhouse && reach > INT64_MAX) reach = INT64_MAX;
      const inRange = (v: bigint) => (v > reach ? reach : v < -reach ? -reach : v);
      let s: bigint | null;
      if (n === 0n || (shape === 7 && nullOrSmall === 0)) s = null;
      else if (shape === 1)
        s = inRange(((pick % reach) | 1n) === 0n ? 1n : (pick % reach) | 1n); // odd: s·C/n = s/2, a tie
      else if (shape === 2) s = reach;
      else if (shape === 3) s = -reach;
      else if (shape === 4) s = inRange(-reach + BigInt(nullOrSmall));
      else if (shape === 5) s = inRange(reach - BigInt(nullOrSmall));
      else s = inRange(pick % (reach + 1n));
      return { s, n, C: c, bound: cap * m };
    });
}

/**
 * Cases at the edge of the 64-bit branch (scaled-to-cap.ts `narrowBounds`: n ≤ N = ⌊2⁶⁰/B⌋ and |s| ≤ S = ⌊2⁶⁰/C⌋):
 * n and s one below, at and one past each limit, so both branches and their boundary are compared to the reference.
 */
function straddleArbitrary(clickhouse: boolean): fc.Arbitrary<Case> {
  const C = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 2 ** 20 }));
  const M = fc.oneof(fc.constant(1n), fc.bigInt({ min: 1n, max: 2n ** 20n }));
  return fc.tuple(C, M, fc.integer({ min: -1, max: 1 }), fc.integer({ min: -1, max: 1 }), fc.boolean()).map(([c, m, dn, ds, neg]) => {
    const cap = BigInt(c);
    const bound = cap * m;
    const N = 2n ** 60n / bound;
    let n = N + BigInt(dn);
    if (n <= cap) n = cap + 1n;
    let reach = n * m;
    if (clickhouse && reach > INT64_MAX) reach = INT64_MAX;
    const S = 2n ** 60n / cap + BigInt(ds);
    const mag = S > reach ? reach : S;
    return { s: neg ? -mag : mag, n, C: c, bound };
  });
}

/** The statement of a batch: one row per case, (i, the weighted value as text). */
function batchSql(d: SqlDialect, cases: readonly Case[], int: (v: bigint) => string): string {
  const text = d.name === 'clickhouse' ? (x: string) => `toString(${x})` : (x: string) => `CAST(${x} AS ${d.typeName('varchar')})`;
  return cases
    .map((c, i) => {
      const s =
        d.name === 'clickhouse'
          ? c.s === null
            ? 'CAST(NULL AS Nullable(Int64))'
            : `toInt64('${c.s}')`
          : `CAST(${c.s === null ? 'NULL' : `'${c.s}'`} AS ${d.typeName('wide')})`;
      const n = d.name === 'clickhouse' ? `toInt64('${c.n}')` : `CAST(${c.n} AS ${d.typeName('bigint')})`;
      return `SELECT ${i} AS i, ${text(scaledToCap(d, int, s, n, c.C, c.bound))} AS r`;
    })
    .join(' UNION ALL ');
}

async function viaEngine(engine: SqlEngine, cases: readonly Case[]): Promise<(string | null)[]> {
  const p = new Params(engine.dialect);
  const statement = p.finish(batchSql(engine.dialect, cases, (v) => p.int(v)));
  const rows = await engine.query(statement);
  const out: (string | null)[] = cases.map(() => 'missing');
  for (const r of rows) out[Number(r.i)] = r.r === null || r.r === undefined ? null : String(r.r);
  return out;
}

async function viaClickHouse(base: string, cases: readonly Case[]): Promise<(string | null)[]> {
  const text = await adminExec(base, `${batchSql(clickhouseDialect, cases, intLiteral)} FORMAT TabSeparated`);
  const out: (string | null)[] = cases.map(() => 'missing');
  for (const line of text.trim().split('\n')) {
    const [i, r] = line.split('\t') as [string, string];
    out[Number(i)] = r === '\\N' ? null : r;
  }
  return out;
}

const expected = (c: Case) => (c.s === null ? null : scaledToCapReference(c.s, c.n, BigInt(c.C)).toString());

/** The reference itself stays within the clamp: |⌊s·C/n + ½⌋| ≤ C·M when |s| ≤ n·M (the bound review3 verified). */
function withinBound(c: Case): boolean {
  if (c.s === null || c.n <= BigInt(c.C)) return true;
  const v = scaledToCapReference(c.s, c.n, BigInt(c.C));
  return v <= c.bound && v >= -c.bound;
}

const RUNS = { seed: 2026120701, numRuns: 100 } as const;
const batch = (clickhouse: boolean) =>
  fc.array(fc.oneof(caseArbitrary(clickhouse), straddleArbitrary(clickhouse)), { minLength: 1, maxLength: 24 });

let duck: DuckDbEngine;
let postgres: PostgresEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open();
  postgres = await PostgresEngine.open({ connectionString: postgresTestUrl(), statementTimeoutMs: 60_000 });
}, 60_000);
afterAll(async () => {
  await duck?.close();
  await postgres?.close();
});

describe('scaledToCap is the exact reference on every engine (review3’s class)', () => {
  it('regression: review3’s two units (s < −2⁵³; a weighted sum ≥ 10¹⁵) on DuckDB and PostgreSQL', async () => {
    const cases: Case[] = [
      { s: -BigInt(2 ** 22 + 2) * 2n ** 31n - 2n, n: BigInt(2 ** 22 + 2), C: 2 ** 22 + 1, bound: BigInt(2 ** 22 + 1) * 2n ** 32n },
      { s: 500_001n * 2n ** 31n + 3n, n: 500_001n, C: 500_000, bound: 500_000n * 2n ** 32n },
    ];
    for (const engine of [duck, postgres]) expect(await viaEngine(engine, cases)).toEqual(['-9007201402224642', '1073741824000003']);
  }, 60_000);

  it('generative (fast-check, seed 2026120701): DuckDB and PostgreSQL give the BigInt reference, within ±C·M', async () => {
    await fc.assert(
      fc.asyncProperty(batch(false), async (cases) => {
        expect(cases.every(withinBound)).toBe(true);
        const want = cases.map(expected);
        expect(await viaEngine(duck, cases)).toEqual(want);
        expect(await viaEngine(postgres, cases)).toEqual(want);
      }),
      RUNS,
    );
  }, 300_000);
});

describe.skipIf(!clickhouseAvailable)('scaledToCap is the exact reference on ClickHouse', () => {
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = testCluster();
  }, 300_000);
  afterAll(() => cluster?.stop?.());

  it('generative (fast-check, seed 2026120701): ClickHouse gives the BigInt reference (|s| < 2⁶³, C·M < 2⁶²)', async () => {
    const base = cluster.shards[0] as string;
    await fc.assert(
      fc.asyncProperty(batch(true), async (cases) => {
        expect(cases.every(withinBound)).toBe(true);
        expect(await viaClickHouse(base, cases)).toEqual(cases.map(expected));
      }),
      RUNS,
    );
  }, 300_000);
});
