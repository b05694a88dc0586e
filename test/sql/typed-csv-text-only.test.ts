/**
 * A statement that reads no typed field of an undecided declared CSV runs on the text path and decides nothing
 * (`src/sql/engines/duckdb-csv-choice.ts`, "A statement that reads no typed field"; issue 11, stop 25): the row-level
 * DP `COUNT(*)` no longer pays the forced scan (every typed column parsed, a `nextval` per line).
 *
 * Generative: files whose three columns — a text `k`, integers `a` and `v` — come in a random order (so the last
 * column, which the record rule reads on every line and the text-only test allows, is text or typed, and the first
 * column typed or not), with 0 (header only) to 25 lines, each good, a duplicate of the line before, holding a field
 * that does not parse or an empty one (in `a` or `v`), too many fields or too few; then three statements from
 * `COUNT(*)` with and without a text filter or grouping, a count or sum of the last column, and statements reading a
 * typed field (sums, groupings, filters, an IN list). After each statement:
 * - its answer is the text path's (every field text, cast by TRY_CAST, on an independent connection) and, when the
 *   whole file parses typed, the typed reader's too — the exact aggregates every state, old or new, releases;
 * - the version is undecided (`'force'`, its line counter untouched: no forced scan ran) until a statement reads a
 *   typed field other than the last column, and from then on decided as the version says (typed iff DuckDB's strict
 *   typed reader reads every field of it).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { nativeFieldsSql } from '../../src/sql/engines/duckdb-csv.js';
import { typedFieldsSql } from '../../src/sql/engines/duckdb-csv-typed.js';
import { oracleAndFolder, readerState, viewSql } from './csv-reader-state.js';

const { dir, oracle } = oracleAndFolder('typed-text-only-');

type Column = 'k' | 'a' | 'v';
const DECLARED = { k: 'string', a: 'integer', v: 'integer' } as const;
const BAD = ['x', '', ' 1x', '1e400', '9223372036854775808', '-', '1.5'] as const;

type Line =
  | { readonly kind: 'good' | 'dup' | 'many' | 'few' }
  | { readonly kind: 'bad'; readonly column: 'a' | 'v'; readonly text: string };

const lineArb: fc.Arbitrary<Line> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ kind: 'good' } as const) },
  { weight: 3, arbitrary: fc.constant({ kind: 'dup' } as const) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('bad' as const),
      column: fc.constantFrom('a' as const, 'v' as const),
      text: fc.constantFrom(...BAD),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'many' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'few' } as const) },
);

interface File {
  readonly order: readonly Column[];
  readonly lines: readonly Line[];
}

const fileArb: fc.Arbitrary<File> = fc.record({
  order: fc.constantFrom<readonly Column[]>(['k', 'a', 'v'], ['a', 'k', 'v'], ['v', 'a', 'k'], ['a', 'v', 'k']),
  lines: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 6, arbitrary: fc.array(lineArb, { minLength: 1, maxLength: 25 }) }),
});

/** The file's bytes (LF, no quotes: admitted to DuckDB's line reader with split fields). */
function fileText(f: File): string {
  const rows = [f.order.join(',')];
  let previous: string | undefined;
  f.lines.forEach((line, i) => {
    const value: Record<Column, string> = { k: `k${i % 3}`, a: String(i % 5), v: String((i * 7) % 11) };
    if (line.kind === 'bad') value[line.column] = line.text;
    const fields = f.order.map((c) => value[c]);
    if (line.kind === 'many') fields.push('z');
    if (line.kind === 'few') fields.pop();
    const text = line.kind === 'dup' && previous !== undefined ? previous : fields.join(',');
    rows.push(text);
    previous = text;
  });
  return `${rows.join('\n')}\n`;
}

/** A statement and the columns it reads. */
interface Statement {
  readonly sql: string;
  readonly reads: readonly Column[];
}

/** Statements for a file whose last column is `last`. */
function statementArb(last: Column): fc.Arbitrary<Statement> {
  const lastSum = last === 'k' ? `COUNT(DISTINCT ${last})` : `SUM(${last})`;
  return fc.constantFrom<Statement>(
    { sql: 'SELECT COUNT(*) AS n FROM t', reads: [] },
    { sql: "SELECT COUNT(*) AS n FROM t WHERE k = 'k1'", reads: ['k'] },
    { sql: 'SELECT k, COUNT(*) AS n FROM t GROUP BY k ORDER BY k NULLS FIRST', reads: ['k'] },
    { sql: `SELECT COUNT(${last}) AS n, ${lastSum} AS s FROM t`, reads: [last] },
    { sql: 'SELECT SUM(a) AS s, COUNT(*) AS n FROM t', reads: ['a'] },
    { sql: 'SELECT a, COUNT(*) AS n, SUM(v) AS s FROM t GROUP BY a ORDER BY a NULLS FIRST', reads: ['a', 'v'] },
    { sql: 'SELECT COUNT(*) AS n FROM t WHERE v > 2', reads: ['v'] },
    { sql: `SELECT COUNT(*) AS n FROM t WHERE a IN (${Array.from({ length: 40 }, (_, i) => i).join(', ')})`, reads: ['a'] },
  );
}

const canonical = (rows: readonly Record<string, unknown>[]) => JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? String(v) : v));

/** The statement's rows over `reader` (columns `c1` … in the file's order), on the oracle's connection. */
async function oracleRows(order: readonly Column[], reader: string, cast: boolean, sql: string): Promise<string> {
  const select = order.map((c, i) => (cast && c !== 'k' ? `TRY_CAST(c${i + 1} AS BIGINT) AS ${c}` : `c${i + 1} AS ${c}`));
  await oracle().connection.run(`CREATE OR REPLACE VIEW t AS SELECT ${select.join(', ')} FROM ${reader}`);
  return canonical((await oracle().connection.runAndReadAll(sql)).getRowObjectsJS());
}

/** The typed reader's types for the file's order. */
const typesOf = (order: readonly Column[]) => order.map((c) => (c === 'k' ? undefined : ('BIGINT' as const)));

/** Whether DuckDB's strict typed reader reads every field of the file (every column selected). */
async function strictParses(path: string, order: readonly Column[]): Promise<boolean> {
  try {
    await oracle().connection.runAndReadAll(`SELECT * FROM ${typedFieldsSql(path, ',', typesOf(order))}`);
    return true;
  } catch {
    return false;
  }
}

/** How many lines the view's counter has counted (0 until a forced scan ran). */
async function counted(engine: DuckDbEngine): Promise<number> {
  const sequence = /nextval\('(tsdp_csv_lines_\d+)'\)/.exec(await viewSql(engine))?.[1];
  const sql = `SELECT coalesce(max(last_value), 0) FROM duckdb_sequences() WHERE sequence_name = '${sequence}'`;
  return Number((await engine.connection.runAndReadAll(sql)).getRowsJS()[0]?.[0]);
}

describe('a statement that reads no typed field runs on the text path and decides nothing (issue 11, stop 25)', () => {
  it('the bench layout: COUNT(*) and a sum of the last column leave the version undecided and uncounted; a typed read decides it', async () => {
    const path = join(dir, 'bench.csv');
    writeFileSync(path, 'uid,grp,val\n1,2,3\n1,2,4\n2,x,5\n');
    const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { grp: 'integer', val: 'integer' } } });
    try {
      expect(Number((await engine.query({ sql: 'SELECT COUNT(*) AS n FROM t', params: [] }))[0]?.n)).toBe(3);
      expect(Number((await engine.query({ sql: 'SELECT SUM(val) AS s FROM t', params: [] }))[0]?.s)).toBe(12);
      expect(await readerState(engine)).toBe('force');
      expect(await counted(engine)).toBe(0);
      expect(Number((await engine.query({ sql: 'SELECT COUNT(grp) AS n FROM t', params: [] }))[0]?.n)).toBe(2);
      // The forced scan ran (the lenient reader produced 2 of the 3 lines: `x` does not parse) and decided text.
      expect(await readerState(engine)).toBe('text');
      expect(await counted(engine)).toBe(2);
    } finally {
      await engine.close();
    }
  });

  it('generative (fast-check, seed 2525): any column order, bad and empty fields, duplicates, too many / few fields, header only — the text path’s answers (and the typed reader’s when the file parses), undecided until a typed field other than the last is read', async () => {
    let n = 0;
    const seen = { textOnly: 0, typed: 0, text: 0, parses: 0, headerOnly: 0 };
    const caseArb = fileArb.chain((file) =>
      fc.record({
        file: fc.constant(file),
        statements: fc.array(statementArb(file.order.at(-1) as Column), { minLength: 1, maxLength: 3 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ file, statements }) => {
        const path = join(dir, `f${++n}.csv`);
        writeFileSync(path, fileText(file));
        if (file.lines.length === 0) seen.headerOnly++;
        const last = file.order.at(-1) as Column;
        const parses = await strictParses(path, file.order);
        if (parses) seen.parses++;
        const textReader = nativeFieldsSql(path, ',', 3, undefined, 'lf', true);
        const typedReader = typedFieldsSql(path, ',', typesOf(file.order));
        const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: DECLARED } });
        try {
          expect(await readerState(engine)).toBe('force');
          let decided = false;
          for (const statement of statements) {
            const rows = canonical(await engine.query({ sql: statement.sql, params: [] }));
            expect(rows).toBe(await oracleRows(file.order, textReader, true, statement.sql));
            if (parses) expect(rows).toBe(await oracleRows(file.order, typedReader, false, statement.sql));
            const decides = statement.reads.some((c) => c !== 'k' && c !== last);
            if (!decides && !decided) seen.textOnly++;
            decided ||= decides;
            expect(await readerState(engine)).toBe(decided ? (parses ? 'typed' : 'text') : 'force');
            if (!decided) expect(await counted(engine)).toBe(0);
          }
          if (decided) seen[parses ? 'typed' : 'text']++;
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 70, seed: 2525 },
    );
    // Every branch was exercised (not an assertion-free pass over one of them).
    expect(Object.values(seen).every((k) => k > 0)).toBe(true);
  }, 300_000);
});
