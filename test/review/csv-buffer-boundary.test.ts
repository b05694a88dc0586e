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
 * Status: fixed on main by trustdata (caef0fc, merged 6a0807d): DuckDB no longer cuts lines; the shared Node reader
 * (`csvLinesOfBytes`) cuts them and appends them to a temp table (`loadFileLines`). My two 34 MB members passed there
 * with `.fails` removed (177 s on this loaded machine); trustdata keeps them in test/io/csv-buffer-boundary.test.ts
 * with a generative chunk test. This file now re-attacks the NEW reader's own boundary, fast: Node's file stream
 * hands `csvLinesOfBytes` 64 KiB chunks, so line terminators (LF, CR, CRLF, LF CR, a blank line) are placed at every
 * offset in [2¹⁶ − 3, 2¹⁶ + 2], end to end through DP SQL (DuckDbEngine over the file, runDpSql COUNT(*)).
 *
 * Tests: DP SQL COUNT(*) at ε = 40 (discrete Laplace of scale 1/40: |noise| ≥ 1 with probability < 1e-17 per
 * release; 60 releases: failure probability < 1e-15).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

/** Node's file stream chunk (createReadStream's default highWaterMark, 64 KiB): the new reader's boundary. */
const B = 1 << 16;
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

/** DP SQL COUNT(*) of every file, one table each, one engine (failure probability above). */
async function counts(paths: readonly string[], seed: number): Promise<number[]> {
  const names = paths.map((_, i) => `t${i}`);
  const columns = { pid: { type: 'integer' as const }, s: { type: 'string' as const } };
  const schema = parseSqlSchema({
    dataset: 'review_csv_boundary',
    budget: { epsilon: 100000, delta: 1e-6 },
    tables: Object.fromEntries(names.map((n) => [n, { columns }])),
  });
  const engine = await DuckDbEngine.open({
    files: Object.fromEntries(names.map((n, i) => [n, paths[i] as string])),
    columnTypes: Object.fromEntries(names.map((n) => [n, { pid: 'integer', s: 'string' }])),
  });
  try {
    const out: number[] = [];
    for (const [i, n] of names.entries()) {
      const r = await runDpSql({
        sql: `SELECT COUNT(*) AS n FROM ${n}`,
        schema,
        engine,
        ledger: new MemoryLedger(),
        epsilon: 40,
        rng: new SeededRandomSource(seed + i),
      });
      out.push(Number(r.rows[0]?.[0]));
    }
    return out;
  } finally {
    await engine.close();
  }
}

describe("review S15: one person's line terminator at a reader's buffer boundary never duplicates or drops another record", () => {
  it('regression S15, on the new reader: LF/CR/CRLF/LF CR/blank-line members at every offset in [2^16 − 3, 2^16 + 2] (Node stream chunk) move DP SQL COUNT(*) exactly as the rule says (failure probability < 1e-15)', async () => {
    // [file header, record line ending, member, how many records the member is by the rule]
    const cases: [string, string, string, number][] = [
      ['pid,s\n', '\n', '99,a\r\n', 1],
      ['pid,s\n', '\n', '\n', 0],
      ['pid,s\n', '\n', '\r', 0],
      ['pid,s\r\n', '\r\n', '\r', 0],
      ['pid,s\r\n', '\r\n', '\n\r', 0],
    ];
    const paths: string[] = [];
    const expected: number[] = [];
    for (const [c, [header, eol, member, records]] of cases.entries()) {
      for (let off = -3; off <= 2; off++) {
        const at = member.startsWith('99') ? B + off - 4 : B + off;
        paths.push(file(`c${c}-${off}-without.csv`, header, eol, '', at), file(`c${c}-${off}-with.csv`, header, eol, member, at));
        expected.push(records);
      }
    }
    const n = await counts(paths, 1);
    const moved = expected.map((_, i) => (n[2 * i + 1] as number) - (n[2 * i] as number));
    expect(moved).toEqual(expected);
  }, 120_000);
});
