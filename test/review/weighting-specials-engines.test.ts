/**
 * Review stop 20 (first shift), HELD: stop 19's SUM/AVG weighting (`scaledToCap`: a unit with n > C values adds
 * FLOOR(s·C/n + ½) inside the ±C·M clamp) over stored NaN, ±Infinity, −0 and NULL mixes — a unit of 8 rows (7 values,
 * NaN among them: a value, not a NULL), a unit of only NULLs (n = 0: no contribution), a unit of three −0.0, a unit of
 * only non-finite values — gives byte-identical releases (same seed, ε = 10⁸) on DuckDB, PostgreSQL and ClickHouse
 * 18.16 (one shard) for SUM, AVG, VARIANCE, and COUNT with SUM(w + 1) (the linear form with an offset). Held on main
 * 916c3cc. A guard for trust's exact-integer weighting (this session): the same releases must come out after it.
 * Needs TSDP_TEST_POSTGRES_URL and ClickHouse (skipped otherwise).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { adminExec, clickhouseAvailable, testCluster } from '../clickhouse/cluster.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const ROWS: [number, string][] = [
  [1, 'nan'],
  [1, 'inf'],
  [1, '-inf'],
  [1, '-0.0'],
  [1, 'NULL'],
  [1, '5'],
  [1, '7'],
  [1, '3.25'],
  [2, 'NULL'],
  [2, 'NULL'],
  [3, '2'],
  [4, '-0.0'],
  [4, '-0.0'],
  [4, '-0.0'],
  [5, '-inf'],
  [5, 'inf'],
  [5, 'nan'],
];
const pgv = (v: string) =>
  v === 'NULL'
    ? 'NULL'
    : v === 'nan'
      ? "'NaN'::float8"
      : v === 'inf'
        ? "'Infinity'::float8"
        : v === '-inf'
          ? "'-Infinity'::float8"
          : `${v}::float8`;
const dkv = (v: string) => (v === 'NULL' ? 'NULL' : `'${v}'::DOUBLE`);
const chv = (v: string) => (v === 'NULL' ? 'NULL' : `toFloat64('${v}')`);
const schema = parseSqlSchema({
  dataset: 'rv-weight',
  budget: { epsilon: 1e9, delta: 1e-3 },
  tables: {
    rvw: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 2,
      columns: { pid: { type: 'integer' }, w: { type: 'float', lower: -4, upper: 10 } },
    },
  },
});
const QUERIES = [
  'SELECT SUM(w) AS s FROM rvw',
  'SELECT AVG(w) AS a FROM rvw',
  'SELECT VARIANCE(w) AS v FROM rvw',
  'SELECT COUNT(w) AS c, SUM(w + 1) AS s FROM rvw',
];
async function releases(engine: SqlEngine): Promise<string[]> {
  const out: string[] = [];
  for (const sql of QUERIES) {
    try {
      const r = await runDpSql({
        sql,
        schema,
        engine,
        ledger: new MemoryLedger(),
        epsilon: 1e8,
        delta: 1e-6,
        rng: new SeededRandomSource(7),
      });
      out.push(JSON.stringify(r.rows));
    } catch (e) {
      out.push(`error ${(e as Error).message.slice(0, 120)}`);
    }
  }
  return out;
}
let duck: DuckDbEngine;
let post: PostgresEngine;
let ch: ClickHouseEngine;
let client: pg.Client;
let base = '';
const DB = `tsdp_review_w_${process.pid}`;
const ready = Boolean(process.env.TSDP_TEST_POSTGRES_URL) && clickhouseAvailable;
beforeAll(async () => {
  if (!ready) return;
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  await duck.connection.run('CREATE TABLE rvw (pid BIGINT, w DOUBLE)');
  await duck.connection.run(`INSERT INTO rvw VALUES ${ROWS.map(([p, v]) => `(${p}, ${dkv(v)})`).join(', ')}`);
  const url = postgresTestUrl();
  client = new pg.Client(url);
  await client.connect();
  await client.query(
    `DROP TABLE IF EXISTS rvw; CREATE TABLE rvw (pid bigint, w double precision); INSERT INTO rvw VALUES ${ROWS.map(([p, v]) => `(${p}, ${pgv(v)})`).join(', ')}`,
  );
  post = await PostgresEngine.open({ connectionString: url });
  base = testCluster().shards[0] as string;
  await adminExec(base, `DROP DATABASE IF EXISTS ${DB}`);
  await adminExec(base, `CREATE DATABASE ${DB}`);
  await adminExec(base, `CREATE TABLE ${DB}.rvw (pid Int64, w Nullable(Float64)) ENGINE = MergeTree ORDER BY tuple()`);
  await adminExec(
    base,
    `INSERT INTO ${DB}.rvw SELECT * FROM (${ROWS.map(([p, v]) => `SELECT toInt64(${p}) AS pid, ${v === 'NULL' ? 'CAST(NULL AS Nullable(Float64))' : `toNullable(${chv(v)})`} AS w`).join(' UNION ALL ')})`,
  );
  ch = await ClickHouseEngine.open({ url: base, database: DB, schema });
}, 120_000);
afterAll(async () => {
  await client?.query('DROP TABLE IF EXISTS rvw');
  await client?.end();
  await duck?.close();
  await post?.close();
  await ch?.close();
  if (base) await adminExec(base, `DROP DATABASE IF EXISTS ${DB}`);
});
describe.skipIf(!ready)('review: the weighting over NaN/±inf/−0/NULL gives one release on every engine', () => {
  it('DuckDB, PostgreSQL and ClickHouse release the same rows; none fails', async () => {
    const d = await releases(duck);
    expect(d.filter((r) => r.startsWith('error'))).toEqual([]);
    expect(await releases(post)).toEqual(d);
    expect(await releases(ch)).toEqual(d);
  }, 120_000);
});
