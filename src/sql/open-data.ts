/**
 * Opening the data an analyst names on the command line (CSV/Parquet files,
 * a DuckDB database file or a PostgreSQL URL) with the matching default
 * ledger: a PostgreSQL table when the data lives in PostgreSQL, a file under
 * `TSDP_HOME` otherwise.
 * @module
 */
import { basename, extname } from 'node:path';
import { DpError } from '../core/errors.js';
import { FileLedger } from '../ledger/file-ledger.js';
import type { BudgetLedger } from '../ledger/ledger.js';
import { PostgresLedger } from '../ledger/postgres-ledger.js';
import type { SqlEngine } from './engine.js';
import { DuckDbEngine } from './engines/duckdb.js';
import { PostgresEngine } from './engines/postgres.js';
import type { SqlSchema } from './schema.js';

/** Where the data is. */
export interface DataSpec {
  /** Files to load into DuckDB: `path` or `table=path`. */
  readonly data?: readonly string[];
  /** `duckdb:file.duckdb`, `file.duckdb`, or `postgres://…`. */
  readonly db?: string;
  /** `file` (default unless the data is in PostgreSQL) or `postgres`. */
  readonly ledger?: 'file' | 'postgres';
  /** The state directory for the file ledger (default `stateDirectory()`: `$TSDP_HOME`, else `$XDG_STATE_HOME/tsdp`, else `~/.local/state/tsdp`). */
  readonly home?: string;
}

/**
 * Opens the engine and ledger for a data spec.
 * @throws DpError INVALID_PARAMETER on a bad spec, ENGINE_ERROR when PostgreSQL cannot be reached.
 */
/** True for a PostgreSQL connection string (`postgres://…` or `postgresql://…`). */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

export async function openDataSource(spec: DataSpec, schema: SqlSchema): Promise<{ engine: SqlEngine; ledger: BudgetLedger }> {
  const db = spec.db;
  const files = spec.data ?? [];
  if (db && files.length > 0) throw new DpError('INVALID_PARAMETER', 'give either --data files or --db, not both', { parameter: 'db' });
  if (db && isPostgresUrl(db)) {
    const engine = await PostgresEngine.open({ connectionString: db });
    const ledger = spec.ledger === 'file' ? new FileLedger({ home: spec.home }) : new PostgresLedger(db);
    return { engine, ledger };
  }
  if (spec.ledger === 'postgres')
    throw new DpError('INVALID_PARAMETER', '--ledger postgres needs --db postgres://…', { parameter: 'ledger' });
  const ledger = new FileLedger({ home: spec.home });
  if (db) {
    const path = db.replace(/^duckdb:/, '');
    return { engine: await DuckDbEngine.open({ database: path }), ledger };
  }
  if (files.length === 0)
    throw new DpError('INVALID_PARAMETER', 'name the data: --data file.csv|file.parquet or --db duckdb:file.duckdb|postgres://…', {
      parameter: 'data',
    });
  const privateTables = [...schema.tables.values()].filter((t) => !t.isPublic).map((t) => t.name);
  const mapping: Record<string, string> = {};
  for (const f of files) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(f);
    let table: string;
    let path: string;
    if (m) {
      table = (m[1] as string).toLowerCase();
      path = m[2] as string;
    } else {
      path = f;
      const stem = basename(f, extname(f)).toLowerCase();
      table = schema.tables.has(stem) ? stem : files.length === 1 && privateTables.length === 1 ? (privateTables[0] as string) : stem;
    }
    if (!schema.tables.has(table)) {
      throw new DpError(
        'INVALID_PARAMETER',
        `the data file ${path} maps to table "${table}", which the schema does not declare; write --data table=${path}`,
        {
          parameter: 'data',
        },
      );
    }
    mapping[table] = path;
  }
  // Files are read with the schema's column types, so no column's type is inferred from its values.
  const columnTypes = Object.fromEntries(
    Object.keys(mapping).map((t) => [
      t,
      Object.fromEntries([...(schema.tables.get(t)?.columns ?? new Map())].map(([c, col]) => [c, col.type])),
    ]),
  );
  return { engine: await DuckDbEngine.open({ files: mapping, columnTypes }), ledger };
}
