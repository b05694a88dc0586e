/**
 * Review S62 (class 14): the typed/text reader of a declared CSV is a function of the file version alone, never of
 * the columns a statement reads (`src/sql/engines/duckdb-csv-typed.ts`, "One bit per file version").
 *
 * Generative: a file with at most one field that may not parse (in any column, at any line, any of several texts),
 * then statements reading random subsets of the columns (in SELECT, WHERE, GROUP BY), then a new version of the file
 * and more such statements. Each version is undecided until its first statement that reads a typed field
 * (`duckdb-csv-choice.ts`: that statement forces every typed column; since stop 25 a statement that reads none — here
 * one reading only the text column `s` — runs on the text path and decides nothing); after every statement that reads
 * a typed field the view's reader is the one the file version decides — typed iff DuckDB's typed reader reads every
 * column of that version (`SELECT *` over it, an oracle independent of the engine's own scan) — and the view text
 * never changes within a version.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { COLUMNS, DECLARED, oracleAndFolder, readerState, versionArb, versionText, viewSql, wholeFileParses } from './csv-reader-state.js';

const { dir, oracle: oracleEngine } = oracleAndFolder('typed-choice-');

const BAD = ['x', '', ' 1x', '1e400', '9223372036854775808', '1.5', '-'] as const;

const versions = versionArb(40, BAD, 4);

/** A typed column of the fixture (`s`, the last, is text). */
const typedColumn = (c: string) => c !== 's';

/**
 * A statement reading the columns it is given (at least one), in one of three shapes, and whether it reads a typed
 * field (then it decides the version; else it runs on the text path and decides nothing: stop 25).
 */
const statementArb = fc
  .tuple(fc.subarray([...COLUMNS], { minLength: 1 }), fc.constantFrom('select', 'where', 'group'))
  .map(([cols, shape]) => {
    const [first] = cols as [string, ...string[]];
    if (shape === 'where')
      return {
        sql: `SELECT COUNT(*) AS n FROM t WHERE ${cols.map((c) => `${c} IS NOT NULL`).join(' OR ')}`,
        typed: cols.some(typedColumn),
      };
    if (shape === 'group') return { sql: `SELECT ${first}, COUNT(*) AS n FROM t GROUP BY ${first}`, typed: typedColumn(first) };
    return { sql: `SELECT ${cols.map((c) => `COUNT(${c}) AS ${c}`).join(', ')} FROM t`, typed: cols.some(typedColumn) };
  });

describe('the typed CSV reader is chosen by the file version, not by the statement (review S62)', () => {
  it('generative (fast-check, seed 2162): from the first statement on each file version, the view reads typed iff the typed reader reads every field of the version, whatever columns the statements read', async () => {
    let n = 0;
    let typedSeen = 0;
    let textSeen = 0;
    await fc.assert(
      fc.asyncProperty(
        versions,
        fc.array(statementArb, { minLength: 1, maxLength: 4 }),
        versions,
        fc.array(statementArb, { minLength: 1, maxLength: 3 }),
        async (first, before, second, after) => {
          const path = join(dir, `f${++n}.csv`);
          writeFileSync(path, versionText(first));
          const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: DECLARED } });
          try {
            for (const [version, statements, rebuilt] of [
              [first, before, false],
              [second, after, true],
            ] as const) {
              if (rebuilt) writeFileSync(path, `${versionText(version)}${COLUMNS.map(() => '').join(',')}\n`); // a new size: a new version
              const typed = await wholeFileParses(oracleEngine(), path);
              if (typed) typedSeen++;
              else textSeen++;
              let view: string | undefined = rebuilt ? undefined : await viewSql(engine);
              if (view !== undefined) expect(await readerState(engine)).toBe('force');
              let decided = false;
              for (const { sql, typed: readsTyped } of statements) {
                await engine.query({ sql, params: [] }); // never fails: a refusal is the fold's, and the text path reruns
                const now = await viewSql(engine);
                decided ||= readsTyped;
                expect(await readerState(engine)).toBe(decided ? (typed ? 'typed' : 'text') : 'force');
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
