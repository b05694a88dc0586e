/**
 * Child of postgres-session-settings.test.ts (review S37): one DP COUNT on PostgreSQL through a URL whose session
 * setting terminates a connection that idles inside a transaction after 1 ms. Prints `charged` when the ledger charges
 * and `outcome <code>` when runDpSql settles (synchronous writes: they survive a crash that follows).
 * argv: the PostgreSQL URL, the table.
 */
import { writeSync } from 'node:fs';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const [url, table] = process.argv.slice(2) as [string, string];
const schema = parseSqlSchema({
  dataset: 'review_s37',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    [table]: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, x: { type: 'float', lower: 0, upper: 1000 } },
    },
  },
});
class LoudLedger extends MemoryLedger {
  override async charge(scope: unknown, cost: MemoryLedger['charges'][number]) {
    const s = await super.charge(scope, cost);
    writeSync(1, 'charged\n');
    return s;
  }
}
const u = new URL(url);
u.searchParams.set('options', '-c idle_in_transaction_session_timeout=1');
const engine = await PostgresEngine.open({ connectionString: u.toString() });
for (let i = 0; i < 5; i++) {
  const code = await runDpSql({
    sql: `SELECT COUNT(*) AS n FROM ${table}`,
    schema,
    engine,
    ledger: new LoudLedger(),
    epsilon: 1,
    rng: new SeededRandomSource(i),
  }).then(
    () => 'answered',
    (e: { code?: string }) => String(e.code),
  );
  writeSync(1, `outcome ${code}\n`);
}
await engine.close();
