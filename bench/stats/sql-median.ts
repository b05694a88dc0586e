/**
 * DP SQL MEDIAN(fnlwgt) on all of Adult (n = 30,162; fnlwgt declared integer on [0, 1,500,000]) at ε = 1:
 * the absolute error of the released median against the exact one over seeded runs (DuckDB).
 * Run: nice -n 10 npx tsx bench/stats/sql-median.ts [runs]
 * Before the fine grid (2³² bins / one per integer) the grid had 256 bins on the bounds; after, one bin per integer.
 */
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { loadSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../../test/sql/fixtures.js';

const runs = Number(process.argv[2] ?? 50);
const schema = loadSqlSchema('examples/adult.schema.json');
const engine = await DuckDbEngine.open({ allowExternalAccess: true });
await engine.connection.run(`CREATE TABLE adult AS SELECT * FROM read_csv('examples/adult.csv')`);
const sorted = (await engine.connection.runAndReadAll('SELECT fnlwgt FROM adult ORDER BY fnlwgt'))
  .getRowObjects()
  .map((o) => Number(o.fnlwgt));
const truth = sorted[Math.ceil(0.5 * sorted.length) - 1] as number;
const ledger = new MemoryLedger();
const rng = new SeededRandomSource(20261207);
const errors: number[] = [];
const widths: number[] = [];
const t0 = performance.now();
for (let t = 0; t < runs; t++) {
  const r = await runDpSql({ sql: 'SELECT MEDIAN(fnlwgt) AS m FROM adult', schema, engine, ledger, epsilon: 1, rng });
  const m = r.rows[0]?.[0] as number;
  const [lo, hi] = (r.intervals.m?.[0] ?? [Number.NaN, Number.NaN]) as [number, number];
  errors.push(Math.abs(m - truth));
  widths.push(hi - lo);
}
const ms = (performance.now() - t0) / runs;
await engine.close();
errors.sort((a, b) => a - b);
widths.sort((a, b) => a - b);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const at = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number;
console.log(
  JSON.stringify({
    n: sorted.length,
    exactMedian: truth,
    runs,
    meanAbsError: mean(errors),
    medianAbsError: at(errors, 0.5),
    p95AbsError: at(errors, 0.95),
    medianIntervalWidth: at(widths, 0.5),
    msPerQuery: Math.round(ms),
  }),
);
