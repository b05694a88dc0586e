/**
 * Child process of declared-histogram-limit.test.ts: `SELECT g, <outputs> FROM t GROUP BY g` with `groups` DECLARED
 * values of g, every one holding `perGroup` rows of distinct x and y in [0, 1) (so every bin of every histogram is
 * non-empty), on an in-memory DuckDB, (fourth argument 'postgres') PostgreSQL at TSDP_TEST_POSTGRES_URL, or
 * ('clickhouse', then the first shard's URL and the database) a 3-shard table the parent loaded, under the heap limit the
 * parent sets. `outputs` 1: MEDIAN(x); 4: two medians and two quantiles. Prints the outcome ('answered
 * rows=N' or the error code) and the ledger's charges; a V8 heap exhaustion ends the process instead (no line).
 */
import pg from 'pg';
import type { SqlEngine } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

const groups = Number(process.argv[2]);
const perGroup = Number(process.argv[3]);
const outputs = Number(process.argv[4]);
const onPostgres = process.argv[5] === 'postgres';
const onClickHouse = process.argv[5] === 'clickhouse';
const schema = parseSqlSchema({
  dataset: 'dhl',
  budget: { epsilon: 100 },
  tables: {
    dhl_t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: {
        pid: { type: 'integer' },
        g: { type: 'string', categories: Array.from({ length: groups }, (_, i) => `g${i}`) },
        x: { type: 'float', lower: 0, upper: 1 },
        y: { type: 'float', lower: 0, upper: 1 },
      },
    },
  },
});
const rows = groups * perGroup;
let engine: SqlEngine;
if (onClickHouse) {
  engine = await ClickHouseEngine.open({ url: process.argv[6] as string, database: process.argv[7] as string, cluster: 'tsdp', schema });
} else if (onPostgres) {
  const url = process.env.TSDP_TEST_POSTGRES_URL as string;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('DROP TABLE IF EXISTS dhl_t');
  await c.query(
    `CREATE TABLE dhl_t AS SELECT i::bigint AS pid, 'g' || (i / ${perGroup})::text AS g, ((i * 0.6180339887498949) - floor(i * 0.6180339887498949))::float8 AS x, ((i * 0.4142135623730951) - floor(i * 0.4142135623730951))::float8 AS y FROM generate_series(0, ${rows - 1}) i`,
  );
  await c.end();
  engine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 120_000 });
} else {
  const duck = await DuckDbEngine.open();
  await duck.connection.run(
    `CREATE TABLE dhl_t AS SELECT i AS pid, 'g' || CAST(i // ${perGroup} AS VARCHAR) AS g, ((i * 0.6180339887498949) % 1) AS x, ((i * 0.4142135623730951) % 1) AS y FROM range(${rows}) r(i)`,
  );
  engine = duck;
}
const ledger = new MemoryLedger();
const select = outputs === 1 ? 'MEDIAN(x) AS m' : 'MEDIAN(x) AS m, QUANTILE(x, 0.25) AS q1, QUANTILE(y, 0.75) AS q3, MEDIAN(y) AS m2';
const out = await runDpSql({
  sql: `SELECT g, ${select} FROM dhl_t GROUP BY g`,
  schema,
  engine,
  ledger,
  epsilon: 1,
  rng: new SeededRandomSource(1),
}).then(
  (r) => `answered rows=${r.rows.length}`,
  (e: { code?: string }) => String(e.code),
);
console.log(`${out} charged=${ledger.charges.length}`);
if (process.env.TSDP_CHILD_RSS) console.error(`rss MB ${Math.round(process.memoryUsage().rss / 1e6)}`);
await engine.close();
