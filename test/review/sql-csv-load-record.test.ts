/**
 * Review finding (issue 10 class 3, "whether a query is answered depends on one row"): DP SQL over
 * a CSV file (`tsdp sql --data f.csv`, `DuckDbEngine.open({ files })`) loads the file with
 * `CREATE TABLE … AS SELECT TRY_CAST(…) FROM read_csv_auto(path, all_varchar = true)`
 * (src/sql/engines/duckdb.ts:91–106). `all_varchar` makes the values total, but not the records:
 * one row with a field too many makes DuckDB's reader fail, and the whole query is refused with
 * INVALID_PARAMETER ("cannot load … as table"), while the same file without that row is answered.
 * Nothing is charged (the load runs before the charge), but the refusal itself is the signal: adding
 * one person whose record is malformed flips answered → refused. (An unclosed quote held: the
 * reader accepts it.) `csvSource` in stats skips such records; `tsdp synth` has the same hole (R6).
 *
 *
 * JSON is worse (class 2, "a schema read from the data", the ε = ∞ of issue 10 item 2): a `.jsonl`
 * file is read with `read_json_auto`, whose columns are the union of the records' keys. If no record
 * carries the declared column `x`, the load fails and every query is refused; add one person whose
 * record has `x` and the same queries are answered. A truncated JSON line is refused too.
 *
 * Rule that closes the class: loading private data is total — a malformed record is dropped or
 * padded (`null_padding`, `ignore_errors`, or reading the file as one VARCHAR column and splitting
 * with total functions), never an error; only public causes (file missing, header unreadable) refuse.
 * Owner: cli (src/sql/engines/duckdb.ts, open-data.ts).
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { MemoryLedger } from '../sql/fixtures.js';

const schema = parseSqlSchema({
  dataset: 'csvload',
  budget: { epsilon: 100, delta: 1e-6 },
  tables: {
    d: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, x: { type: 'float', lower: 0, upper: 10 } },
    },
  },
});

async function answer(lines: readonly string[], kind: 'csv' | 'jsonl' = 'csv'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'review-csvload-'));
  const path = join(dir, `d.${kind}`);
  writeFileSync(path, kind === 'csv' ? `pid,x\n${lines.join('\n')}\n` : `${lines.join('\n')}\n`);
  let engine: DuckDbEngine | undefined;
  try {
    engine = await DuckDbEngine.open({ files: { d: path }, columnTypes: { d: { pid: 'integer', x: 'float' } } });
    await runDpSql({
      // Reads typed `pid` (a field other than the last; same count), so a CSV version is read by the typed reader's
      // forced scan (its refusal, its fold), as before stop 25: `COUNT(*)` alone reads no typed field and runs on the
      // text path, deciding nothing (`duckdb-csv-choice.ts`, "A statement that reads no typed field") — sqlcsv stop 25.
      sql: 'SELECT COUNT(*) AS n FROM d WHERE pid IS NULL OR pid IS NOT NULL',
      schema,
      engine,
      ledger: new MemoryLedger(),
      epsilon: 1,
      rng: new SeededRandomSource(1),
    });
    return 'answered';
  } catch (e) {
    return `refused: ${(e as { code?: string }).code ?? 'not a DpError'}`;
  } finally {
    await engine?.close();
  }
}

const good = Array.from({ length: 30 }, (_, i) => `${i},${i % 10}`);

describe('review: DP SQL over a CSV file refuses the query for one malformed record', () => {
  it('control: the file without the record is answered', async () => {
    expect(await answer(good)).toBe('answered');
  });
  it('held: a record with an unclosed quote does not change the outcome', async () => {
    expect(await answer([...good, '31,"9'])).toBe('answered');
  });
  it('regression (review R3b, fixed by cli: unreadable CSV lines skipped): one record with a field too many does not refuse the query', async () => {
    expect(await answer([...good, '31,3,extra'])).toBe('answered');
  });
});

describe('review: DP SQL over a JSON file reads its columns from the records', () => {
  const without = Array.from({ length: 30 }, (_, i) => JSON.stringify({ pid: i }));
  it('control: with one record carrying x, COUNT(*) is answered', async () => {
    expect(await answer([...without, JSON.stringify({ pid: 99, x: 4 })], 'jsonl')).toBe('answered');
  });
  it('regression (review R3b, fixed by cli: JSON read with the declared columns): without that one record (no record has the declared column x) the same query is answered', async () => {
    expect(await answer(without, 'jsonl')).toBe('answered');
  });
  it('regression (review R3b, fixed by cli): one truncated JSON line does not refuse the query', async () => {
    expect(await answer([...without, JSON.stringify({ pid: 99, x: 4 }), '{"pid": 100, "x": 4'], 'jsonl')).toBe('answered');
  });
});
