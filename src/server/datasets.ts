/**
 * The data sets a server answers on: each configured data set's schema (with
 * the configuration's cap and analyst budgets in place of the schema file's),
 * its engine (DuckDB over files or a database file, PostgreSQL as a
 * SELECT-only role, or ClickHouse — one server or a cluster sharded by the
 * privacy unit), and its public description for `GET /v1/datasets`.
 *
 * DuckDB engines are a pool (`engine-pool.ts`, `server.duckdbConnections`):
 * each connection runs one statement at a time, because the statement timeout
 * interrupts the whole connection, so a second statement sharing it would be
 * interrupted with it — charged and failed because of another analyst's
 * query. PostgreSQL engines keep their pool (each
 * statement has its own `statement_timeout`); so do ClickHouse engines (each
 * HTTP query carries its own `max_execution_time`).
 *
 * Each DuckDB connection keeps up to `PREPARED_PER_CONNECTION` prepared statements by exact text
 * (`src/sql/engines/duckdb-prepared.ts`: queries of one shape compile to one text; the rule and its timing residual
 * are there).
 * @module
 */
import { availableParallelism } from 'node:os';
import { DpError } from '../core/errors.js';
import type { SqlEngine } from '../sql/engine.js';
import { defaultDuckdbMemoryLimit } from '../sql/engines/resource-limits.js';
import { clickhouseTarget, declaredFileOptions, isClickHouseUrl, isPostgresUrl, postgresTarget } from '../sql/open-data.js';
import { loadSqlSchema, type SqlSchema } from '../sql/schema.js';
import { checkDatasetConfig, type DatasetConfig } from './config.js';
import { EnginePool } from './engine-pool.js';
import { ExactAggregateCache } from './exact-aggregate-cache.js';

/** Prepared statements each DuckDB connection of the server keeps (by exact text; least recently used evicted). */
export const PREPARED_PER_CONNECTION = 256;

/**
 * DuckDB worker threads per connection when the configuration names none: the cores shared out among the pool's
 * connections (at least one). The pool already runs statements side by side, one per connection; DuckDB's own
 * default (one thread per core on every connection) puts `connections × cores` threads on the cores, and on small
 * tables a statement's threads mostly wait for each other: on Adult (30,162 rows, two connections, two cores) one
 * thread per connection ran the same statement for 1.3–1.7 ms CPU against 2.2–3.0 ms with two
 * (`bench/server/distinct-cost.ts`; stop 17's figures in bench/server/README.md). A large data set served to few
 * analysts at once may want more: `server.duckdbThreads`.
 * @param connections - connections in the pool (≥ 1).
 * @param cores - the cores this process may use (default `os.availableParallelism()`).
 * @returns threads per connection, ≥ 1.
 */
export function defaultDuckdbThreads(connections: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, connections)));
}

/** A data set ready to answer. */
export interface OpenDataset {
  readonly name: string;
  readonly config: DatasetConfig;
  /** The schema as queries see it: dataset = the configured name, budget = the cap, analysts = the configured budgets. */
  readonly schema: SqlSchema;
  readonly engine: SqlEngine;
  readonly engineKind: 'duckdb' | 'postgres' | 'clickhouse';
}

/**
 * The schema a configured data set answers with: the file's tables, the configuration's cap (default: the file's
 * budget) and analysts, and the configured name as the ledger key.
 * @param config - the data set's configuration.
 * @returns the schema.
 * @throws DpError NOT_FOUND / INVALID_SCHEMA from the schema file; INVALID_SCHEMA when an analyst's budget passes the cap.
 */
export function datasetSchema(config: DatasetConfig): SqlSchema {
  checkDatasetConfig(config); // S22 edge line
  const file = loadSqlSchema(config.schemaPath);
  const cap = config.cap ?? file.budget;
  for (const [a, b] of config.analysts) {
    if (b.epsilon.gt(cap.epsilon) || b.delta.gt(cap.delta)) {
      const at = `$.datasets.${config.name}.analysts.${a}`;
      throw new DpError('INVALID_SCHEMA', `${at}: expected a budget within the data set's cap`, {
        path: at,
        expected: 'a budget within the cap',
      });
    }
  }
  return Object.freeze({ ...file, dataset: config.name, budget: cap, analysts: config.analysts });
}

/**
 * Opens a configured data set's engine.
 * @param config - the data set.
 * @param statementTimeoutMs - each statement's deadline.
 * @param duckdbConnections - DuckDB: connections (engines) in the pool, each running one statement at a time.
 * @param duckdbThreads - DuckDB: worker threads of each engine (default: `defaultDuckdbThreads`, the cores shared out among the connections).
 * @returns the open data set.
 * @throws DpError NOT_FOUND (files, schema), INVALID_SCHEMA, ENGINE_ERROR (PostgreSQL or ClickHouse unreachable, PostgreSQL's
 *   query role not set up), INVALID_PARAMETER for a ClickHouse URL that does not parse.
 */
export async function openDataset(
  config: DatasetConfig,
  statementTimeoutMs: number,
  duckdbConnections = 1,
  duckdbThreads?: number,
): Promise<OpenDataset> {
  checkDatasetConfig(config); // S22 edge line
  if (duckdbThreads !== undefined && !(Number.isInteger(duckdbThreads) && duckdbThreads >= 1 && duckdbThreads <= 1024)) {
    throw new DpError('INVALID_PARAMETER', 'duckdbThreads must be an integer in [1, 1024]', { parameter: 'duckdbThreads' });
  }
  const d = await openEngine(config, statementTimeoutMs, duckdbConnections, duckdbThreads);
  // Data that never changes while the server runs: repeated statements reuse their exact aggregates (noise stays fresh).
  return config.exactAggregateCache ? { ...d, engine: new ExactAggregateCache(d.engine) } : d;
}

async function openEngine(
  config: DatasetConfig,
  statementTimeoutMs: number,
  duckdbConnections: number,
  duckdbThreads: number | undefined,
): Promise<OpenDataset> {
  const schema = datasetSchema(config);
  if (config.db && isClickHouseUrl(config.db)) {
    const { ClickHouseEngine } = await import('../sql/engines/clickhouse.js');
    const engine = await ClickHouseEngine.open({ ...clickhouseTarget(config.db), schema, statementTimeoutMs });
    return { name: config.name, config, schema, engine, engineKind: 'clickhouse' };
  }
  if (config.db && isPostgresUrl(config.db)) {
    const target = postgresTarget(config.db);
    const { PostgresEngine } = await import('../sql/engines/postgres.js');
    const engine = await PostgresEngine.open({ connectionString: target.url, readerRole: target.readerRole, statementTimeoutMs });
    return { name: config.name, config, schema, engine, engineKind: 'postgres' };
  }
  const { DuckDbEngine } = await import('../sql/engines/duckdb.js');
  // Each pooled connection is its own DuckDB instance: the default memory limit is shared out among them (resource-limits.ts).
  const threads = {
    preparedStatements: PREPARED_PER_CONNECTION,
    threads: duckdbThreads ?? defaultDuckdbThreads(duckdbConnections),
    memoryLimitBytes: defaultDuckdbMemoryLimit(duckdbConnections),
  };
  if (config.db) {
    const database = config.db.replace(/^duckdb:/, '');
    const engine = await duckdbPool(duckdbConnections, () => DuckDbEngine.open({ database, statementTimeoutMs, ...threads }));
    return { name: config.name, config, schema, engine, engineKind: 'duckdb' };
  }
  const files = config.files ?? {};
  for (const t of Object.keys(files)) {
    if (!schema.tables.has(t)) {
      throw new DpError('INVALID_SCHEMA', `$.datasets.${config.name}.files.${t}: expected a table the schema declares`, {
        path: `$.datasets.${config.name}.files.${t}`,
        expected: 'a declared table',
      });
    }
  }
  const declared = declaredFileOptions(Object.keys(files), schema);
  const engine = await duckdbPool(duckdbConnections, () => DuckDbEngine.open({ files, ...declared, statementTimeoutMs, ...threads }));
  return { name: config.name, config, schema, engine, engineKind: 'duckdb' };
}

/** `n` engines opened one after another (all closed again if one fails to open); `open` also replaces a broken one. */
async function duckdbPool(n: number, open: () => Promise<SqlEngine>): Promise<EnginePool> {
  const engines: SqlEngine[] = [];
  try {
    for (let i = 0; i < n; i++) engines.push(await open());
  } catch (e) {
    for (const x of engines) await x.close().catch(() => {});
    throw e;
  }
  return new EnginePool(engines, { reopen: open }); // a broken member is replaced by the same open (engine-pool.ts)
}

/** A budget as JSON: exact amounts as text and as numbers for display. */
export interface BudgetJson {
  readonly epsilon: number;
  readonly delta: number;
  readonly exact: { readonly epsilon: string; readonly delta: string };
}

/** An exact budget as JSON. */
export function budgetJson(b: {
  epsilon: { toNumber(): number; toString(): string };
  delta: { toNumber(): number; toString(): string };
}): BudgetJson {
  return { epsilon: b.epsilon.toNumber(), delta: b.delta.toNumber(), exact: { epsilon: b.epsilon.toString(), delta: b.delta.toString() } };
}

/**
 * The public description of a data set (its schema: public by the threat model of `tsdp/sql`), for one analyst.
 * @param d - the data set.
 * @param analyst - the caller (its own budget is included; other analysts' are not).
 * @returns names, tables, columns with types, bounds and declared categories, the privacy unit and bounds, the cap.
 */
export function describeDataset(d: OpenDataset, analyst: string) {
  const own = d.schema.analysts.get(analyst);
  return {
    name: d.name,
    ...(d.config.description !== undefined ? { description: d.config.description } : {}),
    engine: d.engineKind,
    ...(d.config.nonPrivateDemo ? { nonPrivateDemo: true } : {}),
    cap: budgetJson(d.schema.budget),
    budget: own ? budgetJson(own) : null,
    tables: [...d.schema.tables.values()].map((t) => ({
      name: t.name,
      public: t.isPublic,
      privacyUnit: t.unit.column,
      maxPartitions: t.unit.maxPartitions,
      maxContributionsPerPartition: t.unit.maxContributionsPerPartition,
      columns: [...t.columns].map(([name, c]) => ({
        name,
        type: c.type,
        ...(c.lower !== undefined ? { lower: c.lower, upper: c.upper } : {}),
        ...(c.categories ? { categories: [...c.categories] } : {}),
      })),
    })),
  };
}
