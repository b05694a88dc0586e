/**
 * The counted decision of a declared CSV's reader (`src/sql/engines/duckdb-csv-choice.ts`, "Counting"; class 14):
 * whatever the file's shape and the first statements, the typed/text decision equals the one a strict typed parse of
 * the whole file gives, and every answer equals the text path's.
 *
 * Generative: files with a byte-order mark or not, LF or CR LF, 0 (header only) to 30 lines, each line good, holding
 * a field that does not parse (any column), too many fields or too few, or empty (mid-file); some with a quoted field
 * across lines or a trailing blank line (the line check admits none of those with a blank line or a `"` to DuckDB's
 * line reader: the view never reads typed). Then
 * two statements: plain counts, a WHERE, a GROUP BY, an IN list of constants (the declared-key filter: a mark join
 * that folds) with and without further predicates and grouped, a join, a LIMIT (those two decide by a scan of their
 * own), or a constant-false filter (reads nothing, decides nothing); the LIMIT over the text column `s` alone reads no
 * typed field and runs on the text path, deciding nothing (stop 25), the LIMIT over `b` decides by its own scan.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { nativeFieldsSql } from '../../src/sql/engines/duckdb-csv.js';
import { typedFieldsSql } from '../../src/sql/engines/duckdb-csv-typed.js';
import { COLUMNS, DECLARED, oracleAndFolder, readerState, viewSql } from './csv-reader-state.js';

const { dir, oracle } = oracleAndFolder('typed-counted-');

const BAD = ['x', '', ' 1x', '1e400', '9223372036854775808', '-', '1.5'] as const;

type Line =
  | { readonly kind: 'good' }
  | { readonly kind: 'bad'; readonly column: number; readonly text: string }
  | { readonly kind: 'many' }
  | { readonly kind: 'few' }
  | { readonly kind: 'empty' };

interface File {
  readonly bom: boolean;
  readonly crlf: boolean;
  readonly lines: readonly Line[];
  /** A quoted field holding a line break (in column s of the first line, or an extra line when there is none). */
  readonly quotedBreak: boolean;
  readonly trailingBlank: boolean;
}

const lineArb: fc.Arbitrary<Line> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'good' } as const) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bad' as const), column: fc.nat({ max: 3 }), text: fc.constantFrom(...BAD) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'many' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'few' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' } as const) },
);

const fileArb: fc.Arbitrary<File> = fc.record({
  bom: fc.boolean(),
  crlf: fc.boolean(),
  lines: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 6, arbitrary: fc.array(lineArb, { minLength: 1, maxLength: 30 }) }),
  quotedBreak: fc.nat({ max: 7 }).map((k) => k === 0),
  trailingBlank: fc.nat({ max: 7 }).map((k) => k === 0),
});

/** The file's bytes. */
function fileText(f: File): string {
  const rows = [COLUMNS.join(',')];
  f.lines.forEach((line, i) => {
    const fields = [String(i), String(i % 5), String(i / 4), `s${i % 3}`];
    if (line.kind === 'bad') fields[line.column] = line.text;
    if (line.kind === 'many') fields.push('z');
    if (line.kind === 'few') fields.pop();
    rows.push(line.kind === 'empty' ? '' : fields.join(','));
  });
  if (f.quotedBreak) rows.push('99,1,0.5,"q\nq"');
  const eol = f.crlf ? '\r\n' : '\n';
  return `${f.bom ? '\uFEFF' : ''}${rows.join(eol)}${eol}${f.trailingBlank ? eol : ''}`;
}

/** Whether the line check admits the file to DuckDB's line reader (no `"`, no blank line: `line-check.ts`). */
const admitted = (f: File) => !f.quotedBreak && !f.trailingBlank && f.lines.every((l) => l.kind !== 'empty');

const IN_LIST = Array.from({ length: 40 }, (_, i) => i).join(', ');

/** A statement, whether it reads the file, and whether its plan folds the decision (the others decide by a scan). */
const statementArb = fc
  .constantFrom('counts', 'where', 'group', 'in', 'in-filter', 'in-group', 'join', 'limit', 'limit-typed', 'none')
  .map((shape) => ({ ...shapeSql(shape), folds: !['join', 'limit', 'limit-typed', 'none'].includes(shape) }));

/** `reads`: the statement reads a typed field (it decides the version; `s`, the last column, is text). */

function shapeSql(shape: string): { readonly sql: string; readonly reads: boolean } {
  switch (shape) {
    case 'where':
      return { sql: `SELECT COUNT(*) AS n FROM t WHERE b > 1 OR s = 's1'`, reads: true };
    case 'group':
      return { sql: 'SELECT s, COUNT(*) AS n, SUM(b) AS sb FROM t GROUP BY s ORDER BY s NULLS FIRST', reads: true };
    case 'in':
      return { sql: `SELECT COUNT(*) AS n FROM t WHERE a IN (${IN_LIST})`, reads: true };
    case 'in-filter':
      return { sql: `SELECT COUNT(*) AS n, SUM(pid) AS sp FROM t WHERE a IN (${IN_LIST}) AND b > 0.5 AND s <> 's2'`, reads: true };
    case 'in-group':
      return { sql: `SELECT a, COUNT(*) AS n, SUM(b) AS sb FROM t WHERE a IN (${IN_LIST}) GROUP BY a ORDER BY a`, reads: true };
    case 'join':
      return { sql: 'SELECT COUNT(x.s) AS n FROM t AS x JOIN t AS y ON x.pid = y.pid', reads: true };
    case 'limit':
      return { sql: 'SELECT COUNT(s) AS n FROM (SELECT s FROM t LIMIT 3)', reads: false };
    case 'limit-typed':
      return { sql: 'SELECT COUNT(b) AS n FROM (SELECT b FROM t LIMIT 3)', reads: true };
    case 'none':
      return { sql: 'SELECT COUNT(pid) AS n FROM t WHERE 1 = 0', reads: false };
    default:
      return { sql: 'SELECT COUNT(pid) AS p, COUNT(a) AS a, COUNT(b) AS b, COUNT(s) AS s FROM t', reads: true };
  }
}

/** How many lines the view's counter has counted (0 when no statement folded the decision). */
async function counted(engine: DuckDbEngine): Promise<number> {
  const sequence = /nextval\('(tsdp_csv_lines_\d+)'\)/.exec(await viewSql(engine))?.[1];
  const sql = `SELECT coalesce(max(last_value), 0) FROM duckdb_sequences() WHERE sequence_name = '${sequence}'`;
  return Number((await engine.connection.runAndReadAll(sql)).getRowsJS()[0]?.[0]);
}

const canonical = (rows: readonly Record<string, unknown>[]) => JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? String(v) : v));

/** Whether DuckDB's strict typed reader reads every field of the whole file (every column selected). */
async function strictParses(path: string, crlf: boolean): Promise<boolean> {
  const reader = typedFieldsSql(path, ',', ['BIGINT', 'BIGINT', 'DOUBLE', undefined], crlf ? 'crlf' : 'lf');
  try {
    await oracle().connection.runAndReadAll(`SELECT * FROM ${reader}`);
    return true;
  } catch {
    return false;
  }
}

/** The statement's rows on the text path (every field text, cast by TRY_CAST), on the oracle's connection. */
async function textPathRows(path: string, crlf: boolean, sql: string): Promise<string> {
  const reader = nativeFieldsSql(path, ',', 4, undefined, crlf ? 'crlf' : 'lf', true);
  await oracle().connection.run(
    `CREATE OR REPLACE VIEW t AS SELECT TRY_CAST(c1 AS BIGINT) AS pid, TRY_CAST(c2 AS BIGINT) AS a, TRY_CAST(c3 AS DOUBLE) AS b, c4 AS s FROM ${reader}`,
  );
  return canonical((await oracle().connection.runAndReadAll(sql)).getRowObjectsJS());
}

describe('the counted decision equals a strict parse of the whole file (duckdb-csv-choice.ts, "Counting")', () => {
  it('generative (fast-check, seed 2221): BOM, CR LF, header only, bad fields anywhere, too many / too few fields, empty lines mid-file, quoted breaks, trailing blank lines × statements with and without filters and IN lists', async () => {
    let n = 0;
    const seen = { typed: 0, text: 0, notAdmitted: 0, inFolded: 0 };
    await fc.assert(
      fc.asyncProperty(fileArb, statementArb, statementArb, async (file, first, second) => {
        const path = join(dir, `f${++n}.csv`);
        writeFileSync(path, fileText(file));
        const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: DECLARED } });
        try {
          const choice = /tsdp_csv_reader_/.test(await viewSql(engine));
          expect(choice).toBe(admitted(file));
          if (!choice) {
            seen.notAdmitted++;
            // Not admitted to DuckDB's line reader: no typed reader at all; the statements still answer.
            for (const statement of [first, second]) await engine.query({ sql: statement.sql, params: [] });
            expect(await readerState(engine)).toBe('text');
            return;
          }
          const typed = await strictParses(path, file.crlf);
          let decider: { readonly sql: string; readonly folds: boolean } | undefined;
          for (const statement of [first, second]) {
            const rows = await engine.query({ sql: statement.sql, params: [] });
            expect(canonical(rows)).toBe(await textPathRows(path, file.crlf, statement.sql));
            if (statement.reads) decider ??= statement;
            expect(await readerState(engine)).toBe(decider ? (typed ? 'typed' : 'text') : 'force');
          }
          if (decider === undefined) return;
          seen[typed ? 'typed' : 'text']++;
          // The deciding statement folded (its run counted the lines it produced) iff its plan is foldable: the IN
          // lists included. A count of 0 lines is a header-only file, or every line skipped (a bad field; a good or a
          // short line is always produced).
          const lines = await counted(engine);
          if (!decider.folds) expect(lines).toBe(0);
          else if (file.lines.some((l) => l.kind === 'good' || l.kind === 'few')) expect(lines).toBeGreaterThan(0);
          if (decider.folds && decider.sql.includes(' IN (') && lines > 0) seen.inFolded++;
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 80, seed: 2221 },
    );
    // Every branch was exercised.
    expect([seen.typed > 0, seen.text > 0, seen.notAdmitted > 0, seen.inFolded > 0]).toEqual([true, true, true, true]);
  }, 300_000);
});
