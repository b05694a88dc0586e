/**
 * The reader state of a declared CSV's view (`src/sql/engines/duckdb-csv-choice.ts`), read from DuckDB itself: the
 * view names its state variable, whose value is `'force'` (undecided), `'typed'` or `'text'`. A view without one
 * never reads typed (`'text'`).
 */
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';

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
