/**
 * DuckDB, the embedded default engine (`@duckdb/node-api`). Tables come from
 * CSV or Parquet files (loaded into memory) or a DuckDB database file (opened
 * read-only). After loading, external access is switched off and the
 * configuration locked, so no compiled statement could read a file even if
 * one tried. Each statement has a deadline (`statementTimeoutMs`, default
 * 60 s): DuckDB has no statement_timeout setting, so the connection is
 * interrupted when it passes, and the statement fails with the one
 * data-independent ENGINE_ERROR.
 * @module
 */

import { existsSync } from 'node:fs';
import { BIGINT, BOOLEAN, DOUBLE, type DuckDBConnection, DuckDBInstance, type DuckDBType, listValue, VARCHAR } from '@duckdb/node-api';
import { DpError } from '../../core/errors.js';
import type { CompiledStatement, SqlParamType } from '../dialect.js';
import { duckdbDialect } from '../dialects/duckdb.js';
import { type EngineRow, engineError, normalizeValue, type SqlEngine } from '../engine.js';

const PARAM_TYPES: Record<SqlParamType, DuckDBType> = { bigint: BIGINT, double: DOUBLE, text: VARCHAR, boolean: BOOLEAN };

/** Options of `openDuckDb`. */
export interface DuckDbOptions {
  /** A DuckDB database file, opened read-only (default: an in-memory database). */
  readonly database?: string;
  /** Files to load as tables: table name → CSV or Parquet path. */
  readonly files?: Readonly<Record<string, string>>;
  /** Keep external access on (for callers that load more data later, e.g. benchmarks). Default false. */
  readonly allowExternalAccess?: boolean;
  /**
   * Statement timeout in ms (default 60000): a statement still running then is interrupted and fails with the one
   * data-independent ENGINE_ERROR (DuckDB has no statement_timeout setting of its own).
   */
  readonly statementTimeoutMs?: number;
  /** Worker threads (default: DuckDB's choice). */
  readonly threads?: number;
  /**
   * The declared column types of each file's table (from the schema). A CSV is then read as text and each
   * declared column converted with TRY_CAST (a malformed value becomes NULL), so a column's type never
   * depends on its contents: otherwise one "NA" in a numeric column makes it VARCHAR, and a query's engine
   * error would reveal whether the rows it filters to hold such a value.
   */
  readonly columnTypes?: Readonly<Record<string, Readonly<Record<string, 'integer' | 'float' | 'string' | 'boolean' | 'date'>>>>;
}

const DECLARED_TYPES = { integer: 'integer', float: 'double', string: 'varchar', boolean: 'boolean', date: 'date' } as const;

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The DuckDB engine. */
export class DuckDbEngine implements SqlEngine {
  readonly dialect = duckdbDialect;
  private constructor(
    private readonly instance: DuckDBInstance,
    /** The connection (exposed for loading data in tests and benchmarks). */
    readonly connection: DuckDBConnection,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Opens DuckDB and loads the given files.
   * @throws DpError NOT_FOUND when a file does not exist, INVALID_PARAMETER when it cannot be loaded (public facts about the operator's input).
   */
  static async open(options: DuckDbOptions = {}): Promise<DuckDbEngine> {
    const config: Record<string, string> = {};
    if (options.database) config.access_mode = 'READ_ONLY';
    if (options.threads) config.threads = String(options.threads);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(options.database ?? ':memory:', config);
    } catch {
      throw new DpError('INVALID_PARAMETER', `cannot open the DuckDB database ${options.database ?? ''}`, { parameter: 'database' });
    }
    const connection = await instance.connect();
    const timeout = options.statementTimeoutMs ?? 60_000;
    if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) {
      connection.closeSync();
      instance.closeSync();
      throw new DpError('INVALID_PARAMETER', 'statementTimeoutMs must be a positive number of milliseconds', {
        parameter: 'statementTimeoutMs',
      });
    }
    const engine = new DuckDbEngine(instance, connection, timeout);
    for (const [table, path] of Object.entries(options.files ?? {})) {
      if (!existsSync(path)) {
        engine.closeNow();
        throw new DpError('NOT_FOUND', `the data file ${path} for table "${table}" does not exist`, { kind: 'file', name: path });
      }
      const reader = /\.parquet$/i.test(path) ? 'read_parquet' : /\.json(l)?$/i.test(path) ? 'read_json_auto' : 'read_csv_auto';
      const declared = options.columnTypes?.[table];
      const q = duckdbDialect.quoteIdentifier;
      const from =
        declared && reader === 'read_csv_auto' ? `${reader}(${sqlString(path)}, all_varchar = true)` : `${reader}(${sqlString(path)})`;
      const columns = declared
        ? Object.entries(declared)
            .map(([c, t]) => `TRY_CAST(${q(c)} AS ${duckdbDialect.typeName(DECLARED_TYPES[t])}) AS ${q(c)}`)
            .join(', ')
        : '*';
      try {
        await connection.run(`CREATE TABLE ${q(table)} AS SELECT ${columns} FROM ${from}`);
      } catch {
        engine.closeNow();
        throw new DpError('INVALID_PARAMETER', `cannot load ${path} as table "${table}" (CSV with a header, Parquet or JSON expected)`, {
          parameter: 'data',
        });
      }
    }
    if (!options.allowExternalAccess) {
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
    }
    return engine;
  }

  /** The readable columns of `tables` from DuckDB's catalog (no row is read). @throws DpError ENGINE_ERROR */
  async catalog(tables: readonly string[]): Promise<ReadonlyMap<string, ReadonlyMap<string, string>>> {
    const out = new Map<string, Map<string, string>>();
    if (tables.length === 0) return out;
    let rows: unknown[][];
    try {
      const reader = await this.connection.runAndReadAll(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
         WHERE table_catalog = current_database() AND table_schema = current_schema() AND list_contains($1::VARCHAR[], table_name)`,
        [listValue([...tables])] as never,
      );
      rows = reader.getRowsJS() as unknown[][];
    } catch {
      throw engineError('duckdb');
    }
    for (const [table, column, type] of rows) {
      const t = String(table);
      const m = out.get(t) ?? new Map<string, string>();
      m.set(String(column), String(type).toLowerCase());
      out.set(t, m);
    }
    return out;
  }

  /** Runs a compiled statement. @throws DpError ENGINE_ERROR */
  async query(statement: CompiledStatement): Promise<EngineRow[]> {
    // The statement timeout: interrupt the connection at the deadline (the statement then fails, as any other error).
    const timer = setTimeout(() => this.connection.interrupt(), this.timeoutMs);
    try {
      const values = statement.params.map((p) => p.value);
      // Bind with the declared types: left to infer, the driver binds an integral double such as 1e150 as BIGINT and fails.
      const types = statement.params.map((p) => PARAM_TYPES[p.type]);
      const reader = await this.connection.runAndReadAll(statement.sql, values as never, types);
      const names = reader.columnNames();
      return reader.getRowsJS().map((row) => {
        const o: Record<string, ReturnType<typeof normalizeValue>> = {};
        names.forEach((n, i) => {
          o[n] = normalizeValue(row[i]);
        });
        return o;
      });
    } catch {
      throw engineError('duckdb');
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closeNow();
  }

  private closeNow(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
