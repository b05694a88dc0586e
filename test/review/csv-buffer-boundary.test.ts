/**
 * Review, session 5 (issue 10 class 2/3, "one record can only remove itself", a new member of S2/S14's class):
 * DP SQL's DuckDB line reader (`linesSql` in `src/sql/engines/duckdb-csv.ts`, used for every declared CSV and JSON
 * file: `tsdp sql --data`, the query server's `files`) is DuckDB's `read_csv` with `quote = ''`, `strict_mode = false`.
 * DuckDB reads the file in buffers of 32 MiB (16 × the pinned `max_line_size` of 2 MiB). When two line-terminator
 * bytes meet at a buffer boundary (byte 2²⁵ − 1 and byte 2²⁵: a CRLF whose LF starts the new buffer in a file whose
 * first line ends in LF, a blank line, or a lone CR there), DuckDB reads the record after the boundary TWICE — or,
 * in a CRLF file, a lone CR there makes it DROP the record after the boundary. So one person's line (a record
 * written with a CRLF ending, or a free-text value ending in CR, which the one-line rule turns into a line end)
 * duplicates or removes ANOTHER person's record, depending only on where the bytes fall. The Node readers
 * (`csvSource`, `parseSynthCsv`) read the same files correctly.
 *
 * Measured on main 9dab8df (@duckdb/node-api as installed), threads 1 and 2: LF file, blank line / lone CR / CRLF at
 * the boundary: the next record counted twice; CRLF file, lone CR at the boundary: the next record lost; JSON Lines
 * share the reader. Every boundary of a large file is a chance: one record early in a file with irregular line
 * endings moves the alignment of every later boundary, so a COUNT can move by about 1 + size/32 MiB.
 *
 * Rule that would close the class: where a line starts is a function of the bytes at that place only, in every
 * reader, at every buffer boundary — test the reader with line terminators (LF, CR, CRLF, LFCR, blank lines) at
 * every offset in [B − 3, B + 3] for each of the engine's buffer boundaries B (and smaller buffer sizes, to test
 * many boundaries on small files), or split lines outside DuckDB's CSV state machine.
 * Owner: trustdata (src/sql/engines/duckdb-csv.ts).
 *
 * Tests: DP SQL COUNT(*) at ε = 40 (discrete Laplace of scale 1/40: |noise| ≥ 1 with probability < 1e-17 per
 * release; 4 releases: failure probability < 1e-16). Each file is about 34 MB (written to the temp directory).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsvRecords } from '../../src/io/csv-records.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

/** DuckDB's CSV buffer (16 × max_line_size = 16 × 2 MiB). */
const B = 1 << 25;
const dir = mkdtempSync(join(tmpdir(), 'review-csv-boundary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A record `k,xxx…` of exactly `len` bytes with the line ending `eol`. */
function rec(k: number, len: number, eol: string): string {
  const head = `${k},`;
  return head + 'x'.repeat(len - head.length - eol.length) + eol;
}

/**
 * A file: the header, plain records until `at`, then `member` (the one person's bytes; empty for the neighbour
 * without them), then plain records to about B + 1 MB. The records before `at` are the same in both neighbours.
 */
function file(name: string, header: string, eol: string, member: string, at: number): string {
  const parts: string[] = [header];
  let off = header.length;
  let k = 1;
  while (off + 64 < at) {
    const r = rec(k++, 32, eol);
    parts.push(r);
    off += r.length;
  }
  const filler = rec(k++, at - off, eol);
  parts.push(filler, member);
  for (let j = 0; j < 3000; j++) parts.push(rec(k++, 32, eol));
  const path = join(dir, name);
  writeFileSync(path, parts.join(''));
  return path;
}

const schema = parseSqlSchema({
  dataset: 'review_csv_boundary',
  budget: { epsilon: 100000, delta: 1e-6 },
  tables: { t: { columns: { pid: { type: 'integer' }, s: { type: 'string' } } } },
});

async function count(path: string, seed: number): Promise<number> {
  const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string' } } });
  try {
    const r = await runDpSql({
      sql: 'SELECT COUNT(*) AS n FROM t',
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

/** The shared rule's reader (`readCsvRecords`, what `tsdp synth` uses): the number of records. */
async function nodeCount(path: string): Promise<number> {
  return (await readCsvRecords(readFileSync(path, 'latin1')))?.records.length ?? -1;
}

describe("review S15: a line terminator at DuckDB's 32 MiB buffer boundary duplicates or drops ANOTHER record", () => {
  it.fails('BUG S15: in an LF file, adding one record `99,a` written with a CRLF ending (its CR at byte 2^25 − 1) moves DP SQL COUNT(*) by 2 — the record after the boundary is read twice (failure probability < 1e-16)', async () => {
    const member = '99,a\r\n';
    const without = file('lf-without.csv', 'pid,s\n', '\n', '', B - 1 - 4);
    const withX = file('lf-with.csv', 'pid,s\n', '\n', member, B - 1 - 4);
    // The Node reader reads one more record, as it should (control: the files are neighbours).
    expect((await nodeCount(withX)) - (await nodeCount(without))).toBe(1);
    const moved = (await count(withX, 1)) - (await count(without, 2));
    expect(Math.abs(moved)).toBeLessThanOrEqual(1);
  }, 120_000);

  it.fails("BUG S15: in a CRLF file, one lone CR line (no record by the rule) at byte 2^25 removes the NEXT person's record from DP SQL: COUNT(*) moves by −1 (failure probability < 1e-16)", async () => {
    const without = file('crlf-without.csv', 'pid,s\r\n', '\r\n', '', B);
    const withX = file('crlf-with.csv', 'pid,s\r\n', '\r\n', '\r', B);
    expect(await nodeCount(withX)).toBe(await nodeCount(without));
    const moved = (await count(withX, 3)) - (await count(without, 4));
    expect(moved).toBe(0);
  }, 120_000);
});
