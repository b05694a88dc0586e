/**
 * Review S14 (issue 10 class 3 — whether a query is answered depends on one record; owner readers).
 *
 * DP SQL's DuckDB CSV loader (`DuckDbEngine.open({ files })`: `tsdp sql --data`, the query server's `files`) fails
 * the whole file when ONE record ends in CRLF (a Windows line end in an LF file) or holds a bare CR: every query on
 * the table is then refused with ENGINE_ERROR (nothing charged), while the file without that person is answered.
 * Adding one person flips answered → refused: a membership oracle with certainty (ε = ∞ for the refusal bit). The
 * same member is harmless in `csvSource` and `parseSynthCsv`. (S2's header rule — one bad record drops only
 * itself — is the class; this is a new member: a record separator that only one record uses.)
 *
 * Rule: the record splitter's line-end rule is fixed before reading (LF, with one optional CR before it stripped
 * per record, or declared), and a record that does not parse is dropped alone; the load never fails on a record.
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
  dataset: 'review_s14',
  budget: { epsilon: 100000, delta: 1e-6 },
  tables: { t: { columns: { pid: { type: 'integer' }, s: { type: 'string' } } } },
});
const lines = ['pid,s', ...Array.from({ length: 40 }, (_, k) => `${k + 1},plain${k}`)];

/** COUNT(*) at ε = 40 (|noise| ≥ 1 with probability < 1e-17), or the error code. */
async function count(extra: string | null): Promise<number | string> {
  const path = join(mkdtempSync(join(tmpdir(), 'review-s14-')), 't.csv');
  writeFileSync(path, extra === null ? `${lines.join('\n')}\n` : `${lines.slice(0, 3).join('\n')}\n${extra}${lines.slice(3).join('\n')}\n`);
  try {
    const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string' } } });
    try {
      const r = await runDpSql({
        // Reads typed `pid` (a field other than the last; same count), so a DuckDB-read version runs the typed reader's
        // forced scan and its fold, as before stop 25: a statement that reads no typed field runs on the text path,
        // deciding nothing (`duckdb-csv-choice.ts`, "A statement that reads no typed field") — sqlcsv stop 25.
        sql: 'SELECT COUNT(*) AS n FROM t WHERE pid IS NULL OR pid IS NOT NULL',
        schema,
        engine,
        ledger: new MemoryLedger(),
        epsilon: 40,
        rng: new SeededRandomSource(13),
      });
      return Number(r.rows[0]?.[0]);
    } finally {
      await engine.close();
    }
  } catch (e) {
    return String((e as { code?: unknown }).code);
  }
}

describe('review S14: one CR in a CSV record refuses every query on the file', () => {
  it('control: the file without the person is answered (40)', async () => {
    expect(await count(null)).toBe(40);
  });
  for (const [name, record] of [
    ['a record ending in CRLF', '99,x\r\n'],
    ['a bare CR inside a record', '99,x\ry\n'],
  ] as const) {
    it(`regression S14 (fixed by readers 721bd5c: lines cut at CR and LF before parsing): ${name} — answered with 40 or 41, not refused`, async () => {
      const n = await count(record);
      expect(typeof n === 'number' && Math.abs(n - 40) <= 1).toBe(true);
    }, 60_000);
  }
});
