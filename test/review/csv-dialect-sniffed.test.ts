/**
 * Review finding (session 3, issue 10 class 2 — "a schema read from the data", another member; severity
 * ε = ∞): DP SQL's CSV reader (`src/sql/engines/duckdb.ts` `probeFile`, used by `DuckDbEngine.open({ files,
 * columnTypes })` and so by `tsdp sql --data`) SNIFFS the CSV dialect — delimiter, quote, escape — from
 * the file's records (`sniff_csv(…)`) and pins it in the view. The dialect decides how every other row is
 * parsed, so one record changes the values of other people's rows.
 *
 * Example: 20 rows whose field is `'abc'` and 20 plain rows. DuckDB sniffs the quote `'`, so those 20 rows
 * read `abc`. Add ONE record `99,"x,y"` (consistent only with the quote `"`): the sniffer now picks `"`,
 * and the 20 rows read `'abc'` (with the quotes). `SELECT COUNT(*) … WHERE s = 'abc'` moves from 20 to 0
 * when one row is added, against a declared sensitivity of 1: one query at any ε tells the neighbours apart.
 *
 * Rule that closes the class: the structure a file is read with (header, delimiter, quote, escape, and so
 * the column set) is declared (schema/options; default RFC 4180: `,` `"` `"`) or read from the header
 * line alone — never sniffed from the records. Owner: sqlrun (engines/duckdb.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const schema = parseSqlSchema({
  dataset: 'review_csv_dialect',
  budget: { epsilon: 1000, delta: 1e-6 },
  // Row-level: each row its own unit, COUNT sensitivity 1.
  tables: { t: { columns: { pid: { type: 'integer' }, s: { type: 'string' } } } },
});

const base = [
  'pid,s',
  ...Array.from({ length: 20 }, (_, k) => `${k + 1},'abc'`),
  ...Array.from({ length: 20 }, (_, k) => `${k + 21},plain`),
];

/** The DP count of rows with s = 'abc' at ε = 40 (discrete Laplace of scale 1/40: |noise| ≥ 1 with probability < 1e-17). */
async function countAbc(lines: readonly string[], seed: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'review-csv-dialect-'));
  const path = join(dir, 't.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string' } } });
  try {
    const r = await runDpSql({
      // Reads typed `pid` (a field other than the last; same count), so a DuckDB-read version runs the typed reader's
      // forced scan and its fold, as before stop 25: a statement that reads no typed field runs on the text path,
      // deciding nothing (`duckdb-csv-choice.ts`, "A statement that reads no typed field") — sqlcsv stop 25.
      sql: "SELECT COUNT(*) AS n FROM t WHERE s = 'abc' AND (pid IS NULL OR pid IS NOT NULL)",
      schema,
      engine,
      ledger: new MemoryLedger(),
      epsilon: 40,
      rng: new SeededRandomSource(seed),
    });
    return Number(r.rows[0]?.[0]);
  } finally {
    await engine.close();
  }
}

describe('review: the CSV dialect is not read from the records', () => {
  it('regression (review S1, fixed by sqlrun ea40b4f: RFC 4180 dialect declared, header line only; was ε = ∞): adding one record no longer changes the quote character, and 20 other rows change value (COUNT moves by 20, sensitivity 1)', async () => {
    const without = await countAbc(base, 1);
    const withOne = await countAbc([...base, '99,"x,y"'], 2);
    expect(Math.abs(withOne - without)).toBeLessThanOrEqual(1);
  }, 60_000);

  it('control: a record that does not touch the dialect moves the count by at most 1', async () => {
    const without = await countAbc(base, 3);
    const withOne = await countAbc([...base, "99,'abc'"], 4);
    expect(Math.abs(withOne - without)).toBeLessThanOrEqual(1);
  }, 60_000);
});
