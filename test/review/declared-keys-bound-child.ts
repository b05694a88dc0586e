/**
 * Child of declared-keys-bound.test.ts: MEDIAN(x) GROUP BY g with `groups` DECLARED categories ('g0' …), each group
 * holding `perGroup` rows with distinct x spread over the 4,096-bin grid, on an in-memory DuckDB (or PostgreSQL with
 * argv[4] 'postgres', or a 3-shard ClickHouse with 'clickhouse' and the shards' URLs), under the heap limit the parent sets. Prints the outcome and the charges; a V8 heap exhaustion
 * ends the process instead (no line printed).
 */
import pg from 'pg';
import type { SqlEngine } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { adminExec, createSharded } from '../clickhouse/cluster.js';
import { MemoryLedger } from '../sql/fixtures.js';

const groups = Number(process.argv[2]);
const perGroup = Number(process.argv[3]);
const onPostgres = process.argv[4] === 'postgres';
const onClickHouse = process.argv[4] === 'clickhouse';
const schema = parseSqlSchema({
  dataset: 'rv_declared_bound',
  budget: { epsilon: 10 },
  tables: {
    rv_declared_bound: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: {
        pid: { type: 'integer' },
        g: { type: 'string', categories: Array.from({ length: groups }, (_, i) => `g${i}`) },
        x: { type: 'float', lower: 0, upper: 1 },
      },
    },
  },
});
const rows = groups * perGroup;
let engine: SqlEngine;
if (onClickHouse) {
  // argv[5…]: the shards' HTTP URLs (3 shards, Distributed `_all` in database rv_declared_bound_db).
  const shards = process.argv.slice(5);
  const db = 'rv_declared_bound_db';
  await createSharded(shards, db, { rv_declared_bound: 'pid Int64, g String, x Float64' }, () => 'pid');
  await adminExec(
    shards[0] as string,
    `INSERT INTO ${db}.rv_declared_bound_all SELECT toInt64(number), concat('g', toString(intDiv(number, ${perGroup}))), ((number % ${perGroup}) + 0.5) / ${perGroup} FROM system.numbers LIMIT ${rows}`,
    { insert_distributed_sync: '1' },
  );
  engine = await ClickHouseEngine.open({ url: shards[0] as string, database: db, cluster: 'tsdp', schema });
} else if (onPostgres) {
  const url = process.env.TSDP_TEST_POSTGRES_URL as string;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('DROP TABLE IF EXISTS rv_declared_bound');
  await c.query(
    `CREATE TABLE rv_declared_bound AS SELECT i::bigint AS pid, 'g' || (i / ${perGroup})::text AS g, (((i % ${perGroup}) + 0.5) / ${perGroup})::float8 AS x FROM generate_series(0, ${rows - 1}) i`,
  );
  await c.end();
  engine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 300_000 });
} else {
  const duck = await DuckDbEngine.open();
  await duck.connection.run(
    `CREATE TABLE rv_declared_bound AS SELECT i AS pid, 'g' || CAST(i // ${perGroup} AS VARCHAR) AS g, ((i % ${perGroup}) + 0.5) / ${perGroup} AS x FROM range(${rows}) r(i)`,
  );
  engine = duck;
}
const ledger = new MemoryLedger();
const outcome = await runDpSql({
  sql: 'SELECT g, MEDIAN(x) AS m FROM rv_declared_bound GROUP BY g',
  schema,
  engine,
  ledger,
  epsilon: 1,
  rng: new SeededRandomSource(1),
}).then(
  (r: unknown) => `answered rows=${(r as { rows?: unknown[] }).rows?.length ?? '?'}`,
  (e: { code?: string }) => String(e.code),
);
process.stdout.write(`${outcome} charged=${ledger.charges.length}\n`);
await engine.close();
