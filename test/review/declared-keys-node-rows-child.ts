/**
 * Child process of declared-keys-node-rows.test.ts: one DP SQL query grouped by a column with two DECLARED
 * categories ('a', 'b') over a table whose column holds `n` other distinct values (one row each, plus one 'a' row), on
 * an in-memory DuckDB (or PostgreSQL with a fifth argument 'postgres', or a ClickHouse table the parent loaded with 'clickhouse'), under the heap limit the parent sets. `mode` 'count': COUNT(*) per group; 'median': MEDIAN(x)
 * per group with `perGroup` distinct x values in each undeclared group. Prints the outcome ('answered' or the error
 * code) and the ledger's charges; a V8 heap exhaustion ends the process instead (no line printed).
 */
import pg from 'pg';
import type { SqlEngine } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const n = Number(process.argv[2]);
const mode = process.argv[3] === 'median' ? 'median' : 'count';
const perGroup = Number(process.argv[4] ?? '1');
const onPostgres = process.argv[5] === 'postgres';
const onClickHouse = process.argv[5] === 'clickhouse';
const schema = parseSqlSchema({
  dataset: 'rv_declared_rows',
  budget: { epsilon: 10 },
  tables: {
    rv_declared_rows: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: {
        pid: { type: 'integer' },
        g: { type: 'string', categories: ['a', 'b'] },
        x: { type: 'float', lower: 0, upper: 1 },
      },
    },
  },
});
// n·perGroup rows: group 'k<i // perGroup>' (never declared), x distinct within a group; plus one declared row.
const rows = n * perGroup;
let engine: SqlEngine;
if (onClickHouse) {
  // argv[6]: the first shard's HTTP URL; argv[7]: the database holding rv_declared_rows (3 shards, Distributed `_all`).
  engine = await ClickHouseEngine.open({ url: process.argv[6] as string, database: process.argv[7] as string, cluster: 'tsdp', schema });
} else if (onPostgres) {
  const url = process.env.TSDP_TEST_POSTGRES_URL as string;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('DROP TABLE IF EXISTS rv_declared_rows');
  await c.query(
    `CREATE TABLE rv_declared_rows AS SELECT i::bigint AS pid, 'k' || (i / ${perGroup})::text AS g, ((i * 0.6180339887498949) - floor(i * 0.6180339887498949))::float8 AS x FROM generate_series(0, ${rows - 1}) i UNION ALL SELECT -1, 'a', 0.5`,
  );
  await c.end();
  engine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 120_000 });
} else {
  const duck = await DuckDbEngine.open();
  await duck.connection.run(
    `CREATE TABLE rv_declared_rows AS SELECT i AS pid, 'k' || CAST(i // ${perGroup} AS VARCHAR) AS g, ((i * 0.6180339887498949) % 1) AS x FROM range(${rows}) r(i) UNION ALL SELECT -1, 'a', 0.5`,
  );
  engine = duck;
}
const ledger = new MemoryLedger();
const sql =
  mode === 'median'
    ? 'SELECT g, MEDIAN(x) AS m FROM rv_declared_rows GROUP BY g'
    : 'SELECT g, COUNT(*) AS c FROM rv_declared_rows GROUP BY g';
const outcome = await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(1) }).then(
  (r: unknown) => `answered rows=${(r as { rows?: unknown[] }).rows?.length ?? '?'}`,
  (e: { code?: string }) => String(e.code),
);
process.stdout.write(`${outcome} charged=${ledger.charges.length}\n`);
await engine.close();
