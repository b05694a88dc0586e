/**
 * Review of ae929b9 (stop 26, reviewer "review-sqlfast"): a declared CSV/JSON file's line check now starts before
 * DuckDB opens (`DuckDbFileViews.linePrecheck`) and `create` awaits it. The class: a view built from a check of other
 * bytes than the ones it reads — another table's check, or an older version of the file — so that DuckDB's native
 * reader reads a file the check would have turned away (review S15's record rule broken: a CR left in a field, a blank
 * line read as a record), or the typed/text state decided for a version nobody checked.
 * - Generative (fast-check, seed 2661, 12 runs): 2–4 declared files in one engine, each drawn from the hazards the
 *   check decides on (plain LF, CR LF, mixed, blank line, CR inside a quoted field, NUL, an untyped field): every
 *   table's rows are exactly those of an engine over that file alone (a check handed to the wrong table, or skipped,
 *   reads a hazardous file natively and changes its rows).
 * - The file rewritten while DuckDB starts (after the check began, before the view is built; a different size): the
 *   first statement's rows are those of a fresh engine over the new bytes (the checked version's identity differs,
 *   so the view is rebuilt and the new bytes checked). Mutant: `refreshChanged` never rebuilding fails it (plain →
 *   CR inside a field: the stale check lets DuckDB's reader split the record at the CR).
 * - S7 edge (options read once): `options.files` is read once at open; a getter answering another path the second
 *   time still gives a view whose rows are one file's, as a fresh engine reads it. ae929b9 as committed read
 *   `options.files` twice (prechecks, then the views); a062063 reads it once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { duckdb } from '../../src/sql/engines/duckdb-driver.js';
import type { DeclaredColumnType } from '../../src/sql/engines/duckdb-options.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-review-precheck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Files the line check decides differently on; each has columns k (integer) and g (string). */
const TEXTS: Record<string, string> = {
  plain: 'k,g\n1,a\n2,b\n3,c\n',
  crlf: 'k,g\r\n1,a\r\n2,b\r\n',
  mixed: 'k,g\r\n1,a\n2,b\r\n3,c\n',
  blank: 'k,g\n1,a\n\n2,b\n',
  crInField: 'k,g\n1,"a\rb"\n2,b\n',
  crEnd: 'k,g\n1,a\r\n2,b\n',
  nul: 'k,g\n1,a\u0000\n2,b\n',
  untyped: 'k,g\n1,a\nx,b\n3,c\n',
};
const TYPES: Record<string, DeclaredColumnType> = { k: 'integer', g: 'string' };
let fileNo = 0;
function write(text: string): string {
  const path = join(dir, `f${++fileNo}.csv`);
  writeFileSync(path, text);
  return path;
}

async function rowsOf(engine: DuckDbEngine, table: string): Promise<unknown> {
  return engine.query({ sql: `SELECT k, g, length(g) AS len FROM ${table} ORDER BY k NULLS FIRST, g NULLS FIRST`, params: [] });
}

async function alone(path: string): Promise<unknown> {
  const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: TYPES } });
  try {
    return await rowsOf(engine, 't');
  } finally {
    await engine.close();
  }
}

describe('review ae929b9: the line check started beside DuckDB is the check of the bytes each view reads', () => {
  it('generative (fast-check, seed 2661): several files in one engine read as each alone', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...Object.keys(TEXTS)), { minLength: 2, maxLength: 4 }), async (kinds) => {
        const paths = kinds.map((k) => write(TEXTS[k] as string));
        const files = Object.fromEntries(paths.map((p, i) => [`t${i}`, p]));
        const columnTypes = Object.fromEntries(paths.map((_, i) => [`t${i}`, TYPES]));
        const engine = await DuckDbEngine.open({ files, columnTypes });
        try {
          for (let i = 0; i < paths.length; i++) {
            expect(await rowsOf(engine, `t${i}`), kinds[i]).toEqual(await alone(paths[i] as string));
          }
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 12, seed: 2661 },
    );
  }, 240_000);

  it('a file rewritten while DuckDB starts (after the check began): the first statement reads the new bytes as a fresh engine does', async () => {
    for (const [before, after] of [
      ['plain', 'crlf'],
      ['plain', 'mixed'],
      ['crlf', 'plain'],
      ['plain', 'crEnd'],
      ['plain', 'blank'],
      ['untyped', 'plain'],
      ['plain', 'crInField'],
      ['plain', 'nul'],
    ] as const) {
      const path = write(TEXTS[before] as string);
      const create = duckdb.DuckDBInstance.create.bind(duckdb.DuckDBInstance);
      const spy = vi.spyOn(duckdb.DuckDBInstance, 'create').mockImplementation(async (...args) => {
        await new Promise((r) => setTimeout(r, 300)); // the check of `before` has finished by now (a 30-byte file)
        writeFileSync(path, `${TEXTS[after]}4,d${after === 'crlf' ? '\r\n' : '\n'}`); // a different size
        return create(...args);
      });
      let engine: DuckDbEngine;
      try {
        engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: TYPES } });
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
      try {
        expect(await rowsOf(engine, 't'), `${before} → ${after}`).toEqual(await alone(path));
      } finally {
        await engine.close();
      }
    }
  }, 120_000);

  /** An options.files whose entry `t` answers `a` on the first read and `b` after; counts the reads. */
  function swapping(a: string, b: string): { files: Record<string, string>; reads: () => number } {
    let n = 0;
    const files = {
      get t() {
        n++;
        return n === 1 ? a : b;
      },
    };
    return { files, reads: () => n };
  }

  it('S7 edge: a getter in options.files answering another path the second time — the view reads one file, as a fresh engine does', async () => {
    const a = write(TEXTS.plain as string);
    const b = write(TEXTS.crInField as string);
    const engine = await DuckDbEngine.open({ files: swapping(a, b).files, columnTypes: { t: TYPES } });
    try {
      // Whichever path the view was built on, its rows are that file's as a fresh engine reads it (a check of the
      // other file is never the one its rows are read under: refreshChanged compares the checked version's identity).
      expect([await alone(a), await alone(b)]).toContainEqual(await rowsOf(engine, 't'));
    } finally {
      await engine.close();
    }
  }, 60_000);

  // Failed at ae929b9 (options.files read twice: S7 read-once, healed in effect; NOTES-stop26-review-sqlfast.md
  // finding 2); passes since a062063.
  it('S7 edge: each entry of options.files is read once at open', async () => {
    const a = write(TEXTS.plain as string);
    const swap = swapping(a, a);
    const engine = await DuckDbEngine.open({ files: swap.files, columnTypes: { t: TYPES } });
    await engine.close();
    expect(swap.reads()).toBe(1);
  }, 60_000);
});
