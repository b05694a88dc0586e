/**
 * Child process of declared-keys-node-rows.test.ts: one DP SQL query grouped by a column with two DECLARED
 * categories ('a', 'b') over a table whose column holds `n` other distinct values (one row each, plus one 'a' row), on
 * an in-memory DuckDB, under the heap limit the parent sets. `mode` 'count': COUNT(*) per group; 'median': MEDIAN(x)
 * per group with `perGroup` distinct x values in each undeclared group. Prints the outcome ('answered' or the error
 * code) and the ledger's charges; a V8 heap exhaustion ends the process instead (no line printed).
 */
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const n = Number(process.argv[2]);
const mode = process.argv[3] === 'median' ? 'median' : 'count';
const perGroup = Number(process.argv[4] ?? '1');
const schema = parseSqlSchema({
  dataset: 'rv_declared_rows',
  budget: { epsilon: 10 },
  tables: {
    t: {
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
const duck = await DuckDbEngine.open();
// n·perGroup rows: group 'k<i // perGroup>' (never declared), x distinct within a group; plus one declared row.
const rows = n * perGroup;
await duck.connection.run(
  `CREATE TABLE t AS SELECT i AS pid, 'k' || CAST(i // ${perGroup} AS VARCHAR) AS g, ((i * 0.6180339887498949) % 1) AS x FROM range(${rows}) r(i) UNION ALL SELECT -1, 'a', 0.5`,
);
const ledger = new MemoryLedger();
const sql = mode === 'median' ? 'SELECT g, MEDIAN(x) AS m FROM t GROUP BY g' : 'SELECT g, COUNT(*) AS c FROM t GROUP BY g';
const outcome = await runDpSql({ sql, schema, engine: duck, ledger, epsilon: 1, rng: new SeededRandomSource(1) }).then(
  (r: unknown) => `answered rows=${(r as { rows?: unknown[] }).rows?.length ?? '?'}`,
  (e: { code?: string }) => String(e.code),
);
process.stdout.write(`${outcome} charged=${ledger.charges.length}\n`);
await duck.close();
