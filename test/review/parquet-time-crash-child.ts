/**
 * Child of parquet-time-crash.test.ts (review S57), run as
 *   node --import tsx test/review/parquet-time-crash-child.ts <file.parquet>
 * Opens the file as table t (pid integer, v declared string, as `openData` does) and runs one DP SQL query that reads
 * v as text. Writes, synchronously, one line per step to stdout: `open` (opened) or `refused-open`; `charged` when
 * the ledger charges; then `answered`, `refused` (nothing charged) or `charged-error`. A process that dies prints no
 * final line.
 */
import { writeSync } from 'node:fs';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const say = (line: string) => writeSync(1, `${line}\n`);

/** A ledger that says when it charges, before the statement runs. */
class SayingLedger extends MemoryLedger {
  override async charge(scope: unknown, cost: Parameters<MemoryLedger['charge']>[1]) {
    const status = await super.charge(scope, cost);
    say('charged');
    return status;
  }
}

const file = process.argv[2] as string;
let engine: DuckDbEngine;
try {
  engine = await DuckDbEngine.open({ files: { t: file }, columnTypes: { t: { pid: 'integer', v: 'string' } } });
  say('open');
} catch {
  say('refused-open');
  process.exit(0);
}
const schema = parseSqlSchema({
  dataset: 'parquet_time_crash',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: { t: { privacyUnit: 'pid', columns: { pid: { type: 'integer' }, v: { type: 'string' } } } },
});
const ledger = new SayingLedger();
try {
  await runDpSql({
    sql: "SELECT COUNT(*) AS n FROM t WHERE v LIKE '01:%'",
    schema,
    engine,
    ledger,
    epsilon: 1,
    rng: new SeededRandomSource(1),
  });
  say('answered');
} catch {
  say(ledger.charges.length === 0 ? 'refused' : 'charged-error');
}
await engine.close();
