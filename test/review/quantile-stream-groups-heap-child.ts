/** Child of quantile-stream-groups-heap.test.ts: a MEDIAN over G released (selected) groups; prints the outcome. */
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const groups = Number(process.argv[2]);
const engine = await DuckDbEngine.open({ threads: 1 });
await engine.connection.run(
  `CREATE TABLE t AS SELECT i AS pid, i % ${groups} AS g, (i * 7919) % 1000000 AS x FROM range(${groups * 20}) r(i)`,
);
const schema = parseSqlSchema({
  dataset: 'rv_heap',
  budget: { epsilon: 1e9, delta: 1e-3 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, g: { type: 'integer' }, x: { type: 'integer', lower: 0, upper: 1000000 } },
    },
  },
});
const ledger = new MemoryLedger();
try {
  const r = await runDpSql({
    sql: 'SELECT g, MEDIAN(x) AS m FROM t GROUP BY g',
    schema,
    engine,
    ledger,
    epsilon: 1e6,
    delta: 1e-4,
    rng: new SeededRandomSource(1),
  });
  console.log(`answered ${r.rows.length} charges ${ledger.charges.length}`);
} catch (e) {
  console.log(`error ${(e as { code?: string }).code} charges ${ledger.charges.length}`);
}
await engine.close();
