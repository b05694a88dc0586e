/**
 * The data a schema draft describes: a CSV/Parquet/JSON file read by DuckDB,
 * or a PostgreSQL table. Both answer `DESCRIBE` (names and types only) and run
 * the generic SQL of the DP estimates. Opening errors name their public cause
 * (file not found, not CSV/Parquet, connection refused, database or table
 * missing, authentication failed), never a value from the data.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { DpError } from '../core/errors.js';
import { admittedDeclaredTypes, type ParquetColumn, parquetSchemaSql, topLevelColumns } from '../sql/engines/duckdb-parquet-types.js';
import { postgresTarget, redactUrl } from '../sql/open-data.js';
import { type DraftColumn, schemaTypeOf } from './schema-draft.js';

/** An opened source. */
export interface DraftSource {
  /** The table name the draft declares. */
  readonly table: string;
  /** What the user named, for messages (a URL without its password). */
  readonly label: string;
  readonly columns: readonly DraftColumn[];
  /** The SQL `FROM` item for the data. */
  readonly from: string;
  /** Quotes an identifier for this engine. */
  quote(name: string): string;
  /** Runs generic SQL; rows as plain objects. @throws DpError ENGINE_ERROR (no engine message). */
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const quoteDouble = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A table name from a file name: lower-case identifier characters. */
export function tableNameOf(path: string): string {
  const stem = basename(path, extname(path))
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const name = /^[a-z_]/.test(stem) ? stem : `t_${stem}`;
  return /^tsdp_/.test(name) ? `data_${name}` : name;
}

/**
 * A column of a data file as the draft declares it. A Parquet column is drafted only as a type that opening the
 * file admits for its stored encoding (`duckdb-parquet-types.ts`, reviews S54–S58): the draft must load and open as
 * it is once its CONFIRM lines are filled. So a DECIMAL(p ≤ 4) stored as INT32 (DuckDB's own writer does this) is
 * left out with the reason and the fix, and a TIMESTAMP in micro- or nanoseconds is drafted as `date`, which is how
 * tsdp reads it. Structure only: the footer's types, never a value.
 */
export function draftColumn(name: string, engineType: string, stored: ParquetColumn | undefined): DraftColumn {
  const type = schemaTypeOf(engineType);
  if (!stored) return { name, engineType, type };
  const admitted = admittedDeclaredTypes(stored);
  if (type === undefined && /^TIMESTAMP/i.test(engineType))
    return admitted.includes('date')
      ? { name, engineType, type: 'date', note: 'read as its date' }
      : { name, engineType, type, note: 'tsdp reads a Parquet TIMESTAMP only in micro- or nanoseconds; rewrite it in microseconds' };
  if (type === undefined) return { name, engineType, type };
  if (admitted.includes(type)) return { name, engineType, type };
  const encoding = `${stored.physical ?? 'group'}${stored.typeLength !== null ? `(${stored.typeLength})` : ''}`;
  return {
    name,
    engineType,
    type: undefined,
    note: `its Parquet encoding (${encoding}) is wider than DuckDB reads ${engineType} in, so tsdp refuses it; rewrite the column as DOUBLE${/^DECIMAL/i.test(engineType) ? ' or DECIMAL(9, s) or wider' : ''}`,
  };
}

/** Opens a data file with DuckDB (in memory; the file is read in place). */
export async function openFileSource(path: string, table: string): Promise<DraftSource> {
  if (!existsSync(path)) throw new DpError('NOT_FOUND', `data file not found: ${path}`, { kind: 'file', name: path });
  if (statSync(path).isDirectory())
    throw new DpError('INVALID_PARAMETER', `${path} is a directory, not a data file`, { parameter: 'file' });
  const reader = /\.parquet$/i.test(path) ? 'read_parquet' : /\.jsonl?$/i.test(path) ? 'read_json_auto' : 'read_csv';
  const from = `${reader}('${path.replace(/'/g, "''")}')`;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const close = async () => {
    connection.closeSync();
    instance.closeSync();
  };
  let described: Record<string, unknown>[];
  try {
    described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`)).getRowObjectsJS();
  } catch {
    await close();
    const kind = reader === 'read_parquet' ? 'Parquet' : reader === 'read_csv' ? 'CSV with a header' : 'JSON';
    throw new DpError('INVALID_PARAMETER', `cannot read ${path} as ${kind}`, { parameter: 'file', expected: kind });
  }
  let stored: ParquetColumn[] | undefined;
  if (reader === 'read_parquet') {
    try {
      const rows = await connection.runAndReadAll(parquetSchemaSql(`'${path.replace(/'/g, "''")}'`));
      stored = topLevelColumns(
        rows.getRowsJS() as unknown[][],
        described.map((r) => String(r.column_type)),
      );
    } catch {
      stored = undefined;
    }
  }
  const columns = described.map((r, i) => draftColumn(String(r.column_name), String(r.column_type), stored?.[i]));
  return {
    table,
    label: path,
    columns,
    from,
    quote: quoteDouble,
    async query(sql) {
      try {
        return (await connection.runAndReadAll(sql)).getRowObjectsJS();
      } catch {
        throw new DpError('ENGINE_ERROR', 'DuckDB could not compute the estimates', { engine: 'duckdb' });
      }
    },
    close,
  };
}

/** The public cause of a PostgreSQL failure, from its error code (never the server's message, which may quote data). */
export function postgresFailure(e: unknown, url: string): DpError {
  const code = (e as { code?: unknown } | undefined)?.code;
  const where = redactUrl(url);
  switch (code) {
    case 'ECONNREFUSED':
      return new DpError('ENGINE_ERROR', `connection refused by PostgreSQL at ${where}`, { engine: 'postgres' });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DpError('ENGINE_ERROR', `unknown host in ${where}`, { engine: 'postgres' });
    case '3D000':
      return new DpError('NOT_FOUND', `database does not exist: ${where}`, { kind: 'database', name: where });
    case '28P01':
    case '28000':
      return new DpError('UNAUTHORIZED', `PostgreSQL refused the login at ${where}`, {});
    case '42P01':
      return new DpError('NOT_FOUND', 'table does not exist', { kind: 'table' });
    case '42501':
      return new DpError('UNAUTHORIZED', `permission denied at ${where}`, {});
    default:
      return new DpError('ENGINE_ERROR', `PostgreSQL failed at ${where}${typeof code === 'string' ? ` (SQLSTATE ${code})` : ''}`, {
        engine: 'postgres',
      });
  }
}

/**
 * Why a PostgreSQL server cannot be used, found by one fresh connection and `SELECT 1` (issue 11: connection refused,
 * unknown host, missing database, refused login — public facts about the server, never about data): the engine's own
 * open reports only that it failed. Nothing is charged before the engine is open, so asking costs no privacy.
 * @param url - the connection URL (tsdp's own parameters already removed).
 * @returns the public cause, or undefined when this connection succeeds (or `pg` is not installed).
 */
export async function diagnosePostgres(url: string): Promise<DpError | undefined> {
  let pg: typeof import('pg').default;
  try {
    pg = (await import('pg')).default;
  } catch {
    return undefined;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (e) {
    return postgresFailure(e, url);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Opens a PostgreSQL table (`name` or `schema.name`). */
export async function openPostgresSource(connection: string, qualified: string, table: string, readerRole?: string): Promise<DraftSource> {
  // tsdp's own URL parameter (tsdp_reader_role) is not the driver's; an explicit role wins over it.
  const target = postgresTarget(connection, readerRole);
  const url = target.url;
  const m = /^(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)$/.exec(qualified);
  if (!m)
    throw new DpError('INVALID_PARAMETER', `a table name (or schema.table), got ${JSON.stringify(qualified)}`, { parameter: 'table' });
  const schemaName = m[1] ?? 'public';
  const tableName = m[2] as string;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (e) {
    throw postgresFailure(e, url);
  }
  const close = async () => {
    await client.end().catch(() => undefined);
  };
  try {
    // Read-only session; with a query role, everything (the catalog and any DP estimate) runs as that role.
    await client.query('SET default_transaction_read_only = on');
    if (target.readerRole) await client.query(`SET ROLE ${target.readerRole}`);
  } catch {
    await close();
    throw new DpError(
      'UNAUTHORIZED',
      `cannot switch to the PostgreSQL role ${target.readerRole} at ${redactUrl(url)} (it must exist, set up by an administrator, with this login a member)`,
      {},
    );
  }
  let rows: { column_name: string; data_type: string }[];
  try {
    rows = (
      await client.query(
        'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
        [schemaName, tableName],
      )
    ).rows;
  } catch (e) {
    await close();
    throw postgresFailure(e, url);
  }
  if (rows.length === 0) {
    await close();
    throw new DpError('NOT_FOUND', `table ${schemaName}.${tableName} does not exist (or has no columns you may see) at ${redactUrl(url)}`, {
      kind: 'table',
      name: `${schemaName}.${tableName}`,
    });
  }
  return {
    table,
    label: `${schemaName}.${tableName} at ${redactUrl(url)}`,
    columns: rows.map((r) => ({ name: r.column_name, engineType: r.data_type, type: schemaTypeOf(r.data_type) })),
    from: `${quoteDouble(schemaName)}.${quoteDouble(tableName)}`,
    quote: quoteDouble,
    async query(sql) {
      try {
        return (await client.query(sql)).rows as Record<string, unknown>[];
      } catch {
        throw new DpError('ENGINE_ERROR', 'PostgreSQL could not compute the estimates', { engine: 'postgres' });
      }
    },
    close,
  };
}
