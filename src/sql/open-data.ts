/**
 * Opening the data an analyst names on the command line (CSV/Parquet files,
 * a DuckDB database file or a PostgreSQL URL) with the matching default
 * ledger: a PostgreSQL table when the data lives in PostgreSQL, a file under
 * the state directory otherwise. `openLedgerFor` is the one place a ledger is
 * chosen from `--ledger`/`--db` (the CLI's sql, schema and budget verbs use it).
 *
 * PostgreSQL query role. Queries run in READ ONLY transactions with a
 * statement timeout. With a query role (`readerRole`, `--reader-role`, or
 * `?tsdp_reader_role=` in the URL) each query first switches to that role,
 * which an administrator made with `setupPostgresLedger` (SELECT on the
 * declared tables only; never created here); a role that is not set up is
 * refused. Without one, queries run as the connecting role: the default is
 * safe only when that login itself holds no more than SELECT on the declared
 * tables (docs/cli.md, "PostgreSQL roles").
 *
 * Engines and ledgers are imported when used, so importing this module loads
 * neither DuckDB nor pg.
 * @module
 */
import { basename, extname } from 'node:path';
import { DpError } from '../core/errors.js';
import type { BudgetLedger } from '../ledger/ledger.js';
import type { SqlEngine } from './engine.js';
import type { DuckDbOptions } from './engines/duckdb.js';
import type { SqlSchema } from './schema.js';

/** Where the data is. */
export interface DataSpec {
  /** Files to query with DuckDB (in place): `path` or `table=path`. */
  readonly data?: readonly string[];
  /** `duckdb:file.duckdb`, `file.duckdb`, `postgres://…` (optionally with `?tsdp_reader_role=role`), or `clickhouse://host:port/db?cluster=name`. */
  readonly db?: string;
  /** `file` (default unless the data is in PostgreSQL) or `postgres`. */
  readonly ledger?: 'file' | 'postgres';
  /** The state directory for the file ledger (default `stateDirectory()`: `$TSDP_HOME`, else `$XDG_STATE_HOME/tsdp`, else `~/.local/state/tsdp`). */
  readonly home?: string;
  /** PostgreSQL: the query role every query switches to (overrides `tsdp_reader_role` in the URL). */
  readonly readerRole?: string;
  /** Each statement's deadline in ms (default 60000; the engine's `statementTimeoutMs`). */
  readonly statementTimeoutMs?: number;
  /** DuckDB: track each statement's progress (the engine's `trackProgress`; the CLI's progress line). Default false. */
  readonly trackProgress?: boolean;
}

/** A ledger and its printable name. */
export interface LedgerChoice {
  readonly ledger: BudgetLedger;
  /** `file /home/me/.local/state/tsdp` or `postgres postgres://me@db:5432/x` (no password). */
  readonly description: string;
}

/** True for a PostgreSQL connection string (`postgres://…` or `postgresql://…`). */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** `url` without its password (and without query parameters, which may carry one). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    u.search = '';
    return u.toString().replace(/:@/, '@');
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** True for a ClickHouse URL (`clickhouse://host:port/db?cluster=name`). */
export function isClickHouseUrl(db: string): boolean {
  return /^clickhouses?:\/\//.test(db);
}

/**
 * Reads `clickhouse://[user[:password]@]host:port/database?cluster=name&shards=http://h1:p1,http://h2:p2`
 * (`clickhouses://` for HTTPS) into the ClickHouse engine's options.
 * @param url - the URL given to `--db`.
 * @returns the HTTP URL, database, credentials, cluster and shard list.
 * @throws DpError INVALID_PARAMETER when it does not parse.
 */
export function clickhouseTarget(url: string): {
  url: string;
  database: string;
  user?: string;
  password?: string;
  cluster?: string;
  shards?: string[];
} {
  let u: URL;
  try {
    u = new URL(url.replace(/^clickhouse(s?):/, 'http$1:'));
  } catch {
    throw new DpError('INVALID_PARAMETER', 'the ClickHouse URL does not parse: write clickhouse://host:8123/database?cluster=name', {
      parameter: 'db',
    });
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'default';
  const cluster = u.searchParams.get('cluster') ?? undefined;
  const shards = u.searchParams
    .get('shards')
    ?.split(',')
    .filter((x) => x !== '');
  return {
    url: `${u.protocol}//${u.host}`,
    database,
    ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(cluster ? { cluster } : {}),
    ...(shards && shards.length > 0 ? { shards } : {}),
  };
}

const READER_PARAM = 'tsdp_reader_role';

/**
 * Splits tsdp's own `tsdp_reader_role` parameter off a PostgreSQL URL.
 * @param url - the connection string.
 * @param readerRole - an explicit role (wins over the URL's); `none` or `''` means no role.
 * @returns the URL for the driver (without the parameter) and the role, if any.
 * @throws DpError INVALID_PARAMETER when the role is not a lower-case SQL identifier.
 */
export function postgresTarget(url: string, readerRole?: string): { url: string; readerRole?: string } {
  let driverUrl = url;
  let fromUrl: string | undefined;
  try {
    const u = new URL(url);
    if (u.searchParams.has(READER_PARAM)) {
      fromUrl = u.searchParams.get(READER_PARAM) ?? undefined;
      u.searchParams.delete(READER_PARAM);
      driverUrl = u.toString();
    }
  } catch {
    // Not a parsable URL: the driver reports it.
  }
  const role = readerRole ?? fromUrl;
  if (role === undefined || role === '' || role === 'none') return { url: driverUrl };
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) {
    throw new DpError('INVALID_PARAMETER', 'the PostgreSQL query role must be a lower-case SQL identifier (letters, digits, _)', {
      parameter: 'reader-role',
    });
  }
  return { url: driverUrl, readerRole: role };
}

/**
 * Opens the ledger of `--ledger` / `--db`: PostgreSQL when asked for (or when the data is in PostgreSQL and
 * `--ledger file` is not given), the file ledger otherwise.
 * @param spec - `ledger`, `db` and `home` of a data spec.
 * @returns the ledger and its printable name.
 * @throws DpError INVALID_PARAMETER for `--ledger` other than file or postgres, or postgres without a URL.
 */
export async function openLedgerFor(spec: { ledger?: string; db?: string; home?: string }): Promise<LedgerChoice> {
  const kind = spec.ledger;
  if (kind !== undefined && kind !== 'file' && kind !== 'postgres') {
    throw new DpError('INVALID_PARAMETER', '--ledger must be file or postgres', { parameter: 'ledger' });
  }
  const pgUrl = spec.db && isPostgresUrl(spec.db) ? postgresTarget(spec.db, 'none').url : undefined;
  if (kind === 'postgres' || (kind === undefined && pgUrl)) {
    if (!pgUrl) throw new DpError('INVALID_PARAMETER', '--ledger postgres needs --db postgres://…', { parameter: 'ledger' });
    const { PostgresLedger } = await import('../ledger/postgres-ledger.js');
    return { ledger: new PostgresLedger(pgUrl), description: `postgres ${redactUrl(pgUrl)}` };
  }
  const { FileLedger } = await import('../ledger/file-ledger.js');
  const ledger = new FileLedger({ home: spec.home });
  return { ledger, description: `file ${ledger.directory}` };
}

/** An opened data source: the engine, the ledger and the ledger's printable name. */
export interface OpenedData {
  readonly engine: SqlEngine;
  readonly ledger: BudgetLedger;
  /** How the ledger is named to the user (see `openLedgerFor`). */
  readonly ledgerDescription: string;
}

/**
 * Opens the engine and ledger for a data spec.
 * @param spec - the files or database, the ledger kind, the state directory, the PostgreSQL query role.
 * @param schema - the schema (maps files to declared tables and gives the column types).
 * @returns the engine, the ledger and the ledger's name.
 * @throws DpError INVALID_PARAMETER on a bad spec; NOT_FOUND for a missing file or a declared column a file lacks;
 * ENGINE_ERROR when PostgreSQL cannot be reached or the query role is not set up.
 */
export async function openDataSource(spec: DataSpec, schema: SqlSchema): Promise<OpenedData> {
  const db = spec.db;
  const files = spec.data ?? [];
  if (db && files.length > 0) throw new DpError('INVALID_PARAMETER', 'give either --data files or --db, not both', { parameter: 'db' });
  if (spec.readerRole !== undefined && !(db && isPostgresUrl(db))) {
    throw new DpError('INVALID_PARAMETER', '--reader-role applies to --db postgres://… only', { parameter: 'reader-role' });
  }
  if (spec.ledger === 'postgres' && !(db && isPostgresUrl(db)))
    throw new DpError('INVALID_PARAMETER', '--ledger postgres needs --db postgres://…', { parameter: 'ledger' });
  if (db && isPostgresUrl(db)) {
    const target = postgresTarget(db, spec.readerRole);
    const { PostgresEngine } = await import('./engines/postgres.js');
    const engine = await PostgresEngine.open({
      connectionString: target.url,
      readerRole: target.readerRole,
      statementTimeoutMs: spec.statementTimeoutMs,
    });
    return withLedger(engine, spec);
  }
  if (db && isClickHouseUrl(db)) {
    const { ClickHouseEngine } = await import('./engines/clickhouse.js');
    const engine = await ClickHouseEngine.open({ ...clickhouseTarget(db), schema, statementTimeoutMs: spec.statementTimeoutMs });
    return withLedger(engine, spec);
  }
  const { DuckDbEngine } = await import('./engines/duckdb.js');
  let engine: SqlEngine;
  if (db) {
    engine = await DuckDbEngine.open({
      database: db.replace(/^duckdb:/, ''),
      statementTimeoutMs: spec.statementTimeoutMs,
      trackProgress: spec.trackProgress,
    });
  } else {
    if (files.length === 0)
      throw new DpError('INVALID_PARAMETER', 'name the data: --data file.csv|file.parquet or --db duckdb:file.duckdb|postgres://…', {
        parameter: 'data',
      });
    const mapping = fileTables(files, schema);
    engine = await DuckDbEngine.open({
      files: mapping,
      ...declaredFileOptions(Object.keys(mapping), schema),
      statementTimeoutMs: spec.statementTimeoutMs,
      trackProgress: spec.trackProgress,
    });
  }
  return withLedger(engine, spec);
}

/**
 * What the DuckDB engine needs from the schema to read declared files (`DuckDbOptions`' `columnTypes` and
 * `csvLineBreaks`), for the CLI's `--data` files and the server's `files` alike.
 * @param tables - the declared tables that files provide.
 * @param schema - the schema.
 * @returns each table's declared column types (files are read with them, so no column's type is inferred from its
 * values) and how each CSV file's writer encodes a line break in a field (rule 5 of src/io/csv-records.ts).
 */
export function declaredFileOptions(tables: readonly string[], schema: SqlSchema): Pick<DuckDbOptions, 'columnTypes' | 'csvLineBreaks'> {
  const columnTypes = Object.fromEntries(
    tables.map((t) => [t, Object.fromEntries([...(schema.tables.get(t)?.columns ?? new Map())].map(([c, col]) => [c, col.type]))]),
  );
  const csvLineBreaks = Object.fromEntries(tables.map((t) => [t, schema.tables.get(t)?.lineBreaks ?? 'none'] as const));
  return { columnTypes, csvLineBreaks };
}

/** Opens the spec's ledger beside an open engine; the engine is closed when the ledger cannot be opened. */
async function withLedger(engine: SqlEngine, spec: DataSpec): Promise<OpenedData> {
  try {
    const { ledger, description } = await openLedgerFor(spec);
    return { engine, ledger, ledgerDescription: description };
  } catch (e) {
    await engine.close();
    throw e;
  }
}

/** Maps each `--data` argument to the declared table it provides. @throws DpError INVALID_PARAMETER */
function fileTables(files: readonly string[], schema: SqlSchema): Record<string, string> {
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
        { parameter: 'data' },
      );
    }
    mapping[table] = path;
  }
  return mapping;
}
