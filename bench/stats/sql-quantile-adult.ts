/**
 * DP SQL MEDIAN on Adult (n = 30,162) beside IBM diffprivlib 0.6.5's `tools.median`, in one run: age (integer on
 * [17, 90], heavily tied) and fnlwgt (integer on [0, 1,500,000], nearly continuous), ε = 1. tsdp: DuckDB, whose
 * quantile histograms are streamed on the fine grid (src/sql/quantile-stream-sql.ts; one bin per integer here), 20%
 * of ε on the interval; error against the lower median (rank ⌈n/2⌉). diffprivlib: all of ε on the value, error
 * against numpy's median (bench/stats/quantile_peer.py, /usr/bin/python3). Mean absolute error ± 2 SE.
 * With TSDP_TEST_POSTGRES_URL set, the same queries on PostgreSQL too (the table copied there as `adult`; streamed on
 * the fine grid through a server-side cursor, `PostgresEngine.queryChunks`).
 * Usage: nice -n 10 npx tsx bench/stats/sql-quantile-adult.ts <diffprivlib dir> [runs = 50]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { loadSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../../test/sql/fixtures.js';

const peerDir = process.argv[2];
const runs = Number(process.argv[3] ?? 50);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const loadBefore = load();
const schema = loadSqlSchema('examples/adult.schema.json');
const engine = await DuckDbEngine.open({ allowExternalAccess: true });
await engine.connection.run(`CREATE TABLE adult AS SELECT * FROM read_csv('examples/adult.csv')`);
const columns = { age: [17, 90], fnlwgt: [0, 1_500_000] } as const;
const stats = (e: number[]) => {
  const mean = e.reduce((a, b) => a + b, 0) / e.length;
  const sd = Math.sqrt(e.reduce((a, b) => a + (b - mean) ** 2, 0) / (e.length - 1));
  return { mae: mean, se2: (2 * sd) / Math.sqrt(e.length) };
};
const data: Record<string, number[]> = {};
for (const col of Object.keys(columns) as (keyof typeof columns)[]) {
  data[col] = (await engine.connection.runAndReadAll(`SELECT ${col} FROM adult ORDER BY ${col}`))
    .getRowObjects()
    .map((o) => Number(o[col]));
}
type Errors = Record<string, { mae: number; se2: number; msPerQuery: number }>;
/** `runs` DP medians of each column on `on`, their errors against the lower median. */
async function measure(on: SqlEngine): Promise<Errors> {
  const out: Errors = {};
  const rng = new SeededRandomSource(20261207);
  for (const col of Object.keys(columns) as (keyof typeof columns)[]) {
    const sorted = data[col] as number[];
    const truth = sorted[Math.ceil(0.5 * sorted.length) - 1] as number;
    const errors: number[] = [];
    const t0 = performance.now();
    for (let t = 0; t < runs; t++) {
      const r = await runDpSql({
        sql: `SELECT MEDIAN(${col}) AS m FROM adult`,
        schema,
        engine: on,
        ledger: new MemoryLedger(),
        epsilon: 1,
        rng,
      });
      errors.push(Math.abs((r.rows[0]?.[0] as number) - truth));
    }
    out[col] = { ...stats(errors), msPerQuery: Math.round((performance.now() - t0) / runs) };
  }
  return out;
}
const tsdp = await measure(engine);
let tsdpPostgres: Errors | string = 'not run (no TSDP_TEST_POSTGRES_URL)';
const pgUrl = process.env.TSDP_TEST_POSTGRES_URL;
if (pgUrl) {
  const csv = join(tmpdir(), `sql-quantile-adult-${process.pid}.csv`);
  await engine.connection.run(`COPY adult TO '${csv}' (HEADER)`);
  const types = (await engine.connection.runAndReadAll('DESCRIBE adult')).getRowObjects();
  const pgType = (t: string) => (t === 'VARCHAR' ? 'text' : t === 'DOUBLE' ? 'double precision' : 'bigint');
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query('DROP TABLE IF EXISTS adult');
  await c.query(`CREATE TABLE adult (${types.map((t) => `"${String(t.column_name)}" ${pgType(String(t.column_type))}`).join(', ')})`);
  await c.query(`COPY adult FROM '${csv}' (FORMAT csv, HEADER true)`);
  await c.end();
  const p = await PostgresEngine.open({ connectionString: pgUrl });
  tsdpPostgres = await measure(p);
  await p.close();
}
await engine.close();
let diffprivlib: unknown = 'not run (no diffprivlib dir given)';
if (peerDir) {
  const spec = join(tmpdir(), `sql-quantile-adult-${process.pid}.json`);
  writeFileSync(spec, JSON.stringify({ datasets: data, bounds: columns, epsilon: 1 }));
  diffprivlib = JSON.parse(
    execFileSync('/usr/bin/python3', ['bench/stats/quantile_peer.py', peerDir, spec, String(runs)], { encoding: 'utf8' }),
  );
}
console.log(JSON.stringify({ n: data.age?.length, runs, tsdpDuckDb: tsdp, tsdpPostgres, diffprivlib, load: `${loadBefore} → ${load()}` }));
