/**
 * Review S62 (class 14): the typed/text reader of a declared CSV is a function of the file version alone, never of
 * the columns a statement reads (`src/sql/engines/duckdb-csv-typed.ts`, "One bit per file version").
 *
 * Generative: a file with at most one field that may not parse (in any column, at any line, any of several texts),
 * then statements reading random subsets of the columns (in SELECT, WHERE, GROUP BY), then a new version of the file
 * and more such statements. Each version is undecided until its first statement (`duckdb-csv-choice.ts`: that
 * statement forces every typed column); after every statement the view's reader is the one the file version decides —
 * typed iff DuckDB's typed reader reads every column of that version (`SELECT *` over it, an oracle independent of the
 * engine's own scan) — and the view text never changes within a version.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { typedFieldsSql } from '../../src/sql/engines/duckdb-csv-typed.js';
import { readerState, viewSql } from './csv-reader-state.js';

const dir = mkdtempSync(join(tmpdir(), 'typed-choice-'));
let oracle: DuckDbEngine;
beforeAll(async () => {
  oracle = await DuckDbEngine.open({ allowExternalAccess: true });
});
afterAll(async () => {
  await oracle.close();
  rmSync(dir, { recursive: true, force: true });
});

const COLUMNS = ['pid', 'a', 'b', 's'] as const;
const DECLARED = { pid: 'integer', a: 'integer', b: 'float', s: 'string' } as const;
const BAD = ['x', '', ' 1x', '1e400', '9223372036854775808', '1.5', '-'] as const;

interface Version {
  readonly rows: number;
  /** The one field that may not parse: its column, line and text (none: every field parses). */
  readonly bad: { readonly column: (typeof COLUMNS)[number]; readonly row: number; readonly text: string } | null;
}

const versionArb: fc.Arbitrary<Version> = fc.integer({ min: 1, max: 40 }).chain((rows) =>
  fc.record({
    rows: fc.constant(rows),
    bad: fc.option(fc.record({ column: fc.constantFrom(...COLUMNS), row: fc.nat({ max: rows - 1 }), text: fc.constantFrom(...BAD) }), {
      freq: 4,
    }),
  }),
);

/** A statement reading the columns it is given (at least one), in one of three shapes. */
const statementArb = fc
  .tuple(fc.subarray([...COLUMNS], { minLength: 1 }), fc.constantFrom('select', 'where', 'group'))
  .map(([cols, shape]) => {
    const [first] = cols as [string, ...string[]];
    if (shape === 'where') return `SELECT COUNT(*) AS n FROM t WHERE ${cols.map((c) => `${c} IS NOT NULL`).join(' OR ')}`;
    if (shape === 'group') return `SELECT ${first}, COUNT(*) AS n FROM t GROUP BY ${first}`;
    return `SELECT ${cols.map((c) => `COUNT(${c}) AS ${c}`).join(', ')} FROM t`;
  });

function text(v: Version): string {
  const lines = [COLUMNS.join(',')];
  for (let i = 0; i < v.rows; i++) {
    const field = (c: string, good: string) => (v.bad && v.bad.row === i && v.bad.column === c ? v.bad.text : good);
    lines.push([field('pid', String(i)), field('a', String(i % 5)), field('b', String(i / 4)), field('s', `s${i}`)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Whether DuckDB's typed reader reads every field of the file (the oracle: every column selected). */
async function wholeFileParses(path: string): Promise<boolean> {
  try {
    await oracle.connection.runAndReadAll(`SELECT * FROM ${typedFieldsSql(path, ',', ['BIGINT', 'BIGINT', 'DOUBLE', undefined])}`);
    return true;
  } catch {
    return false;
  }
}

describe('the typed CSV reader is chosen by the file version, not by the statement (review S62)', () => {
  it('generative (fast-check, seed 2162): from the first statement on each file version, the view reads typed iff the typed reader reads every field of the version, whatever columns the statements read', async () => {
    let n = 0;
    let typedSeen = 0;
    let textSeen = 0;
    await fc.assert(
      fc.asyncProperty(
        versionArb,
        fc.array(statementArb, { minLength: 1, maxLength: 4 }),
        versionArb,
        fc.array(statementArb, { minLength: 1, maxLength: 3 }),
        async (first, before, second, after) => {
          const path = join(dir, `f${++n}.csv`);
          writeFileSync(path, text(first));
          const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: DECLARED } });
          try {
            for (const [version, statements, rebuilt] of [
              [first, before, false],
              [second, after, true],
            ] as const) {
              if (rebuilt) writeFileSync(path, `${text(version)}${COLUMNS.map(() => '').join(',')}\n`); // a new size: a new version
              const typed = await wholeFileParses(path);
              if (typed) typedSeen++;
              else textSeen++;
              let view: string | undefined = rebuilt ? undefined : await viewSql(engine);
              if (view !== undefined) expect(await readerState(engine)).toBe('force');
              for (const sql of statements) {
                await engine.query({ sql, params: [] }); // never fails: a refusal is the fold's, and the text path reruns
                const now = await viewSql(engine);
                expect(await readerState(engine)).toBe(typed ? 'typed' : 'text');
                if (view !== undefined) expect(now).toBe(view);
                view = now;
              }
            }
          } finally {
            await engine.close();
          }
        },
      ),
      { numRuns: 40, seed: 2162 },
    );
    // Both readers were exercised (not an assertion-free pass over one branch).
    expect([typedSeen > 0, textSeen > 0]).toEqual([true, true]);
  }, 180_000);
});
