/**
 * Child process of quantile-histogram-memory.test.ts: one DP SQL MEDIAN over `n` distinct values in one group on an
 * in-memory DuckDB, under the heap limit the parent sets. Prints the outcome ('answered' or the error code) and
 * whether the ledger was charged; a V8 heap exhaustion ends the process instead (no line printed).
 */
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const n = Number(process.argv[2]);
const layout = process.argv[3] === 'sequential' ? 'i / ' + String(n) : '(i * 0.6180339887498949) % 1';
const schema = parseSqlSchema({
  dataset: 'rv_hist_mem',
  budget: { epsilon: 10 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, x: { type: 'float', lower: 0, upper: 1 } },
    },
  },
});
const duck = await DuckDbEngine.open();
await duck.connection.run(`CREATE TABLE t AS SELECT i AS pid, ${layout} AS x FROM range(${n}) r(i)`);
const ledger = new MemoryLedger();
const outcome = await runDpSql({
  sql: 'SELECT MEDIAN(x) AS m FROM t',
  schema,
  engine: duck,
  ledger,
  epsilon: 1,
  rng: new SeededRandomSource(1),
}).then(
  () => 'answered',
  (e: { code?: string }) => String(e.code),
);
process.stdout.write(`${outcome} charged=${ledger.charges.length}\n`);
await duck.close();
