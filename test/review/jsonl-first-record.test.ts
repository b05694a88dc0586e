/**
 * Review finding (session 3, issue 10 class 3 — "engine errors that depend on the data", and class 5 — a
 * failure after the charge; severity: leak via error, ε = ∞ on that record): DP SQL's JSON loader
 * (`src/sql/engines/duckdb.ts`, `read_json(path, columns = {…}, ignore_errors = true)`, used by
 * `DuckDbEngine.open({ files, columnTypes })` and `tsdp sql --data x.jsonl`) leaves the JSON `format` to
 * DuckDB's detection, which reads the file's FIRST record. When that record is cut (`{"pid": 99, "s": "x"`
 * with no closing brace), the query is charged and then fails with ENGINE_ERROR; the file without that record
 * (or with the same record anywhere else) is answered. So whether a query is answered depends on one record.
 * (R3b's "truncated JSON line" regression put the cut line last, where it is skipped.)
 *
 * Rule that closes the class: nothing about how a file is read is detected from its records — the JSON format
 * (newline-delimited for .jsonl/.ndjson, array for .json) and `records = true` are pinned in the reader, and
 * a record that does not parse is skipped alone; a file that cannot be read at all is refused at open,
 * before any charge. Owner: sqlrun (engines/duckdb.ts).
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
  dataset: 'review_jsonl_first',
  budget: { epsilon: 1000, delta: 1e-6 },
  tables: { t: { columns: { pid: { type: 'integer' }, s: { type: 'string' } } } },
});
const base = Array.from({ length: 40 }, (_, k) => JSON.stringify({ pid: k + 1, s: 'plain' }));
const cut = '{"pid": 99, "s": "x"';

/** 'answered' or the error code, and how many charges the ledger took. */
async function outcome(lines: readonly string[]): Promise<{ result: string; charges: number }> {
  const path = join(mkdtempSync(join(tmpdir(), 'review-jsonl-')), 't.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  const ledger = new MemoryLedger();
  let engine: DuckDbEngine | undefined;
  try {
    engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string' } } });
    const result = await runDpSql({
      sql: 'SELECT COUNT(*) AS n FROM t',
      schema,
      engine,
      ledger,
      epsilon: 1,
      rng: new SeededRandomSource(1),
    }).then(
      () => 'answered',
      (e: { code?: string }) => e.code ?? 'thrown',
    );
    return { result, charges: ledger.charges.length };
  } catch (e) {
    return { result: `open:${(e as { code?: string }).code ?? 'thrown'}`, charges: ledger.charges.length };
  } finally {
    await engine?.close();
  }
}

describe('review: a cut first JSON record decides whether the query is answered', () => {
  it('regression (review S9, fixed: .jsonl/.ndjson format pinned by the extension): the file with a cut FIRST record is answered like any other', async () => {
    const r = await outcome([cut, ...base]);
    // Answered (the record skipped), or refused before any charge; never an engine error after the charge.
    expect(r.result === 'answered' || r.charges === 0).toBe(true);
    expect(r.result).not.toBe('ENGINE_ERROR');
  }, 60_000);

  it('control: the same cut record in the middle of the file is answered', async () => {
    expect((await outcome([...base.slice(0, 20), cut, ...base.slice(20)])).result).toBe('answered');
  }, 60_000);
});
