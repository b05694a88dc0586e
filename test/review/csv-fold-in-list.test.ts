/**
 * Review stop 21 (third shift), the lead's mark-join fold (82b9d02, `constantMarkJoin` in
 * `src/sql/engines/duckdb-csv-choice.ts`): a first DP SQL query whose plan holds the MARK hash join DuckDB plans for an
 * IN list of constants now decides the version's reader from its own run. Held: through `runDpSql`, for IN, NOT IN,
 * an IN list with NULL (also all NULL), NOT IN with NULL, IN inside CASE, a declared key with the analyst's own IN on
 * it, an IN under AND/OR with another filter, and IN over a text column with numeric constants, on a version with no
 * bad field, one at the last line (column b) and one at the first line (column a): answered, charged once, and the
 * reader state after it is the version's (typed iff every typed field parses) — never decided by the statement.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { oracleAndFolder, readerState } from '../sql/csv-reader-state.js';
import { MemoryLedger } from '../sql/fixtures.js';

const { dir } = oracleAndFolder('review-fold-in-');
const N = 1500;
const list = Array.from({ length: 40 }, (_, i) => i).join(', ');
const nulls = Array.from({ length: 40 }, () => 'NULL').join(', ');
const QUERIES = [
  `SELECT COUNT(*) AS n FROM t WHERE a IN (${list})`,
  `SELECT COUNT(*) AS n FROM t WHERE a NOT IN (${list})`,
  `SELECT COUNT(*) AS n FROM t WHERE a IN (${list}, NULL)`,
  `SELECT COUNT(*) AS n FROM t WHERE a NOT IN (${list}, NULL)`,
  `SELECT COUNT(*) AS n FROM t WHERE a IN (${nulls})`,
  `SELECT SUM(CASE WHEN a IN (${list}) THEN b ELSE 0 END) AS n FROM t`,
  `SELECT g, COUNT(*) AS n FROM t WHERE g IN ('g0', 'g1', 'g7', 'g8', 'g9', 'g10', 'g11', 'g12', 'g13', 'g14') GROUP BY g`,
  `SELECT g, AVG(b) AS m FROM t WHERE a NOT IN (${list}) GROUP BY g`,
  `SELECT COUNT(*) AS n FROM t WHERE b > 1e300 AND a IN (${list})`,
  `SELECT COUNT(*) AS n FROM t WHERE a IN (${list}) OR s = 's1'`,
  `SELECT COUNT(*) AS n FROM t WHERE s IN (${list})`,
];
const schema = parseSqlSchema({
  dataset: 'review_fold_in',
  budget: { epsilon: 1e6, delta: 1e-6 },
  tables: {
    t: {
      privacyUnit: 'pid',
      columns: {
        pid: { type: 'integer' },
        a: { type: 'integer', lower: 0, upper: 100 },
        b: { type: 'float', lower: 0, upper: 1000 },
        s: { type: 'string' },
        g: { type: 'string', categories: ['g0', 'g1', 'g2'] },
      },
    },
  },
});
const VERSIONS = [
  { name: 'none', bad: null, state: 'typed' },
  { name: 'b-last', bad: { row: N - 1, col: 2 }, state: 'text' },
  { name: 'a-first', bad: { row: 0, col: 1 }, state: 'text' },
] as const;

function version(name: string, bad: { readonly row: number; readonly col: number } | null): string {
  const lines = ['pid,a,b,s,g'];
  for (let i = 0; i < N; i++) {
    const f = [String(i), String(i % 50), String(i / 4), `s${i % 60}`, `g${i % 3}`];
    if (bad?.row === i) f[bad.col] = 'x';
    lines.push(f.join(','));
  }
  const path = join(dir, `${name}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('review stop 21 (third): a first query with an IN list (mark join) decides the version’s reader, never the statement’s', () => {
  it.each(VERSIONS)(
    'version $name: every IN shape answers, is charged once, and leaves the version’s state',
    async (v) => {
      const path = version(v.name, v.bad);
      for (const sql of QUERIES) {
        const engine = await DuckDbEngine.open({
          files: { t: path },
          columnTypes: { t: { pid: 'integer', a: 'integer', b: 'float', s: 'string', g: 'string' } },
        });
        try {
          const ledger = new MemoryLedger();
          const r = await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(7) });
          expect(r.rows.length).toBeGreaterThan(0);
          expect(ledger.charges.length).toBe(1);
          expect([sql, await readerState(engine)]).toEqual([sql, v.state]);
        } finally {
          await engine.close();
        }
      }
    },
    120_000,
  );
});
