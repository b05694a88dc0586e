/**
 * Child process of quantile-stream-memory.test.ts: one DP SQL MEDIAN per group over `groups` × `perGroup` distinct
 * values on an in-memory DuckDB (streamed on the fine grid, src/sql/quantile-stream-sql.ts), under the heap limit the
 * parent sets; the keys declared or selected; the query's ε (default 1) as the 5th argument; with 'postgres' as the 6th,
 * on PostgreSQL at TSDP_TEST_POSTGRES_URL (a server-side cursor, `PostgresEngine.queryChunks`) instead. Prints the outcome ('answered' or the error code), the released rows
 * and whether the ledger was charged; a V8 heap exhaustion ends the process instead (no line printed).
 */
import pg from 'pg';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

const groups = Number(process.argv[2]);
const perGroup = Number(process.argv[3]);
const declared = process.argv[4] === 'declared';
const epsilon = Number(process.argv[5] ?? 1);
const names = Array.from({ length: groups }, (_, i) => `g${i}`);
const schema = parseSqlSchema({
  dataset: 'stream_mem',
  budget: { epsilon: 10 * epsilon, delta: 1e-6 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: {
        pid: { type: 'integer' },
        g: declared ? { type: 'string', categories: names } : { type: 'string' },
        x: { type: 'float', lower: 0, upper: 1 },
      },
    },
  },
});
let engine: SqlEngine;
if (process.argv[6] === 'postgres') {
  const url = process.env.TSDP_TEST_POSTGRES_URL as string;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('DROP TABLE IF EXISTS t');
  await c.query(
    `CREATE TABLE t AS SELECT i::bigint AS pid, 'g' || (i % ${groups})::text AS g, ((i * 0.6180339887498949) - floor(i * 0.6180339887498949))::float8 AS x FROM generate_series(0, ${groups * perGroup - 1}) i`,
  );
  await c.end();
  engine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 300_000 });
} else {
  const duck = await DuckDbEngine.open();
  await duck.connection.run(
    `CREATE TABLE t AS SELECT i AS pid, 'g' || CAST(i % ${groups} AS VARCHAR) AS g, (i * 0.6180339887498949) % 1 AS x FROM range(${groups * perGroup}) r(i)`,
  );
  engine = duck;
}
const ledger = new MemoryLedger();
const outcome = await runDpSql({
  sql: 'SELECT g, MEDIAN(x) AS m FROM t GROUP BY g',
  schema,
  engine,
  ledger,
  epsilon,
  ...(declared ? {} : { delta: 1e-6 }),
  rng: new SeededRandomSource(1),
}).then(
  (r) => `answered rows=${r.rows.length}`,
  (e: { code?: string }) => String(e.code),
);
process.stdout.write(`${outcome} charged=${ledger.charges.length}\n`);
await engine.close();
