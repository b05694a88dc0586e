/**
 * A CSV column's type must come from the schema, not from its values: with
 * type inference one "NA" makes a numeric column VARCHAR, and the CAST in the
 * rewritten SQL then fails exactly when the rows a WHERE clause selects hold
 * such a value — an engine error that tells the analyst about one person.
 *
 * This test timed out once in CI (2026-12-06, 60 s, never here): each DuckDB call now has a deadline that holds
 * even if DuckDB never returns (test/sql/duckdb-deadline.test.ts), and this test's deadline (15 s) is well inside
 * vitest's, so a stuck call shows as ENGINE_ERROR naming the query, not as a bare timeout. The engine module is
 * imported here, at collection, so its transform and DuckDB's native load are not billed to the test's clock.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import '../../src/sql/engines/duckdb.js';
import { openDataSource } from '../../src/sql/open-data.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

describe('CSV files are loaded with the declared column types', () => {
  it('a malformed value becomes NULL instead of making a per-row query fail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-csv-'));
    const path = join(dir, 't.csv');
    writeFileSync(path, 'person_id,amount,minutes,note\n41,3.5,10,x\n42,NA,oops,y\n43,7,20,z\n');
    const schema = parseSqlSchema({
      dataset: 'csvtypes',
      budget: { epsilon: 10 },
      tables: {
        t: {
          privacyUnit: 'person_id',
          columns: {
            person_id: { type: 'integer' },
            amount: { type: 'float', lower: 0, upper: 10 },
            minutes: { type: 'integer', lower: 0, upper: 60 },
          },
        },
      },
    });
    const { engine, ledger } = await openDataSource({ data: [`t=${path}`], home: dir, statementTimeoutMs: 15_000 }, schema);
    try {
      for (const id of [41, 42, 43]) {
        const sql = `SELECT SUM(amount) AS s, AVG(minutes) AS m FROM t WHERE person_id = ${id}`;
        const compiled = compileDpQuery(planDpQuery(sql, schema), engine.dialect, 1n, schema);
        await expect(engine.query(compiled.main), `person ${id}`).resolves.toHaveLength(1);
      }
    } finally {
      await engine.close();
      await ledger.close();
    }
  });
});
