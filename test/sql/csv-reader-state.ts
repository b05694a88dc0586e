/**
 * The reader state of a declared CSV's view (`src/sql/engines/duckdb-csv-choice.ts`), read from DuckDB itself: the
 * view names its state variable, whose value is `'force'` (undecided), `'typed'` or `'text'`. A view without one
 * never reads typed (`'text'`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { typedFieldsSql } from '../../src/sql/engines/duckdb-csv-typed.js';

/** The definition of view `table`. */
export async function viewSql(engine: DuckDbEngine, table = 't'): Promise<string> {
  const rows = (await engine.connection.runAndReadAll(`SELECT sql FROM duckdb_views() WHERE view_name = '${table}'`)).getRowsJS();
  return String(rows[0]?.[0]);
}

/** The reader state of view `table`. */
export async function readerState(engine: DuckDbEngine, table = 't'): Promise<'force' | 'typed' | 'text'> {
  const variable = /getvariable\('(tsdp_csv_reader_\d+)'\)/.exec(await viewSql(engine, table))?.[1];
  if (variable === undefined) return 'text';
  const rows = (await engine.connection.runAndReadAll(`SELECT coalesce(getvariable('${variable}'), 'force')`)).getRowsJS();
  const state = String(rows[0]?.[0]);
  if (state !== 'force' && state !== 'typed' && state !== 'text') throw new Error(`unexpected reader state ${state}`);
  return state;
}

/** The generated files' columns and their declared types (`typed-csv-choice`, `typed-csv-fold`). */
export const COLUMNS = ['pid', 'a', 'b', 's'] as const;
export const DECLARED = { pid: 'integer', a: 'integer', b: 'float', s: 'string' } as const;

/** A generated file version. */
export interface Version {
  readonly rows: number;
  /** The one field that may not parse: its column, line and text (none: every field parses). */
  readonly bad: { readonly column: (typeof COLUMNS)[number]; readonly row: number; readonly text: string } | null;
}

/**
 * File versions of 1 to `maxRows` lines with at most one field from `bad` (one version in `freq` has none).
 * @returns the arbitrary.
 */
export function versionArb(maxRows: number, bad: readonly string[], freq: number): fc.Arbitrary<Version> {
  return fc.integer({ min: 1, max: maxRows }).chain((rows) =>
    fc.record({
      rows: fc.constant(rows),
      bad: fc.option(fc.record({ column: fc.constantFrom(...COLUMNS), row: fc.nat({ max: rows - 1 }), text: fc.constantFrom(...bad) }), {
        freq,
      }),
    }),
  );
}

/** The CSV text of a version. */
export function versionText(v: Version): string {
  const lines = [COLUMNS.join(',')];
  for (let i = 0; i < v.rows; i++) {
    const field = (c: string, good: string) => (v.bad && v.bad.row === i && v.bad.column === c ? v.bad.text : good);
    lines.push([field('pid', String(i)), field('a', String(i % 5)), field('b', String(i / 4)), field('s', `s${i}`)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Whether DuckDB's typed reader reads every field of the file (every column selected), on `oracle`'s connection. */
export async function wholeFileParses(oracle: DuckDbEngine, path: string): Promise<boolean> {
  try {
    await oracle.connection.runAndReadAll(`SELECT * FROM ${typedFieldsSql(path, ',', ['BIGINT', 'BIGINT', 'DOUBLE', undefined])}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * A temporary folder and an oracle engine with external access (no views), for one test file: made before its tests,
 * closed and removed after them.
 * @returns getters of the folder and the oracle.
 */
export function oracleAndFolder(prefix: string): { readonly dir: string; oracle: () => DuckDbEngine } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let oracle: DuckDbEngine | undefined;
  beforeAll(async () => {
    oracle = await DuckDbEngine.open({ allowExternalAccess: true });
  });
  afterAll(async () => {
    await oracle?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, oracle: () => oracle as DuckDbEngine };
}
