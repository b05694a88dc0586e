/**
 * Outside check of issue 11 ("One consistent number format … thousands separators in tables"), reviewml, stop 19.
 * Not a privacy matter.
 *
 * `formatDpSqlResult` (src/sql/format-result.ts, `cell(v, true)`) puts thousands separators into every number of
 * a table or Markdown cell, GROUP BY keys included. So `GROUP BY year(visit_date)` prints its years as "2,020",
 * "2,021" … (seen with `tsdp sql --format table` and `--format markdown` on my own visits file, clean clone of main
 * adf3dd5). CSV and JSON print 2020. A key is a label, not a quantity. A code, an id or a year with a separator
 * reads as a different value, and it cannot be pasted back into a WHERE.
 *
 * What would close it (owner acct, src/sql/format-result.ts): group digits only in aggregate columns (the ones with
 * an interval) and print key columns as their plain value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { formatDpSqlResult } from '../../src/sql/format-result.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  await duck.connection.run('CREATE TABLE v (pid BIGINT, d DATE)');
  await duck.connection.run("INSERT INTO v SELECT i, DATE '2020-01-01' + CAST(i % 700 AS INTEGER) FROM range(3000) r(i)");
}, 60_000);
afterAll(async () => {
  await duck?.close();
});

const schema = parseSqlSchema({
  dataset: 'key_format',
  budget: { epsilon: 10, delta: 1e-6 },
  tables: {
    v: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, d: { type: 'date', lower: '2020-01-01', upper: '2021-12-31' } },
    },
  },
});

async function table(format: 'table' | 'markdown' | 'csv'): Promise<string> {
  const result = await runDpSql({
    sql: 'SELECT year(d) AS y, COUNT(*) AS n FROM v GROUP BY y ORDER BY y',
    schema,
    engine: duck,
    ledger: new MemoryLedger(),
    epsilon: 1,
    rng: new SeededRandomSource(19),
  });
  return formatDpSqlResult(result, { format });
}

describe('reviewml (issue 11, number format): GROUP BY keys are printed as values, not quantities', () => {
  it('control: CSV prints the year keys plainly', async () => {
    expect(await table('csv')).toMatch(/^2020,/m);
  });

  it('control: the counts (aggregates) are grouped in a table, as the issue asks', async () => {
    expect(await table('table')).toMatch(/1,\d{3} \[/);
  });

  it('a table prints the year key 2020, not "2,020"', async () => {
    const text = await table('table');
    expect(text).not.toMatch(/2,020/);
    expect(text).toMatch(/^2020 /m);
  });

  it('Markdown prints the year key 2020, not "2,020"', async () => {
    expect(await table('markdown')).toMatch(/^\| 2020 \|/m);
  });
});
