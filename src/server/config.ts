/**
 * The server's configuration file (`tsdp serve --config server.yaml`): where it
 * listens, where its state lives (server secret, API keys, audit log, LDP
 * aggregators, the file ledger), which ledger charges, the data sets (schema,
 * engine, the per-dataset cap — the collusion bound — and per-analyst budgets
 * under it) and the local-DP collectors. Validated once at start, with a
 * `DpError('INVALID_SCHEMA')` naming the path of the first problem and what was
 * expected; relative paths are read from the config file's folder, so the
 * server's behaviour never depends on the working directory.
 *
 * ```yaml
 * server: { port: 8787, stateDir: ./state, padLatencyMs: 50 }
 * ledger: { kind: file }                 # or { kind: postgres, url: postgres://ledger_writer@db/x }
 * datasets:
 *   adult:
 *     schema: ../adult.schema.json
 *     files: { adult: ../adult.csv }     # or db: duckdb:adult.duckdb | postgres://…?tsdp_reader_role=tsdp_reader
 *     cap: { epsilon: 10, delta: 1e-6 }  # every analyst together never passes it
 *     analysts: { alice: { epsilon: 3 }, bob: { epsilon: 3 } }
 * ldp:
 *   pages: { protocol: olh, epsilon: 1, domainSize: 64 }
 * ```
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DpError } from '../core/errors.js';
import { edgeRead, edgeRecord, edgeString } from '../numeric/edge.js';
import type { Rational } from '../numeric/rational.js';
import { clickhouseTarget, isClickHouseUrl, isPostgresUrl } from '../sql/open-data.js';
import { budgetFormat, NAME_PATTERN, readSchemaAmount } from '../sql/schema-format.js';

const name = z.string({ error: 'a name' }).regex(NAME_PATTERN, { error: 'a name of letters, digits, _ . - (1–100 characters)' });
const path = z.string({ error: 'a file path' }).min(1, { error: 'a file path' });
const int = (lo: number, hi: number, what: string) =>
  z
    .number({ error: `${what}: an integer in [${lo}, ${hi}]` })
    .int({ error: `${what}: an integer in [${lo}, ${hi}]` })
    .min(lo, { error: `${what}: an integer in [${lo}, ${hi}]` })
    .max(hi, { error: `${what}: an integer in [${lo}, ${hi}]` });

const serverFormat = z.strictObject(
  {
    host: z.string({ error: 'a host name or address' }).default('127.0.0.1'),
    port: int(0, 65535, 'a port').default(8787),
    stateDir: path.default('./state'),
    padLatencyMs: z
      .number({ error: 'milliseconds in [0, 60000] (0 turns padding off)' })
      .min(0, { error: 'milliseconds in [0, 60000] (0 turns padding off)' })
      .max(60_000, { error: 'milliseconds in [0, 60000] (0 turns padding off)' })
      .default(50),
    bodyLimitBytes: int(1024, 16 * 1024 * 1024, 'bytes').default(64 * 1024),
    statementTimeoutMs: int(100, 3_600_000, 'milliseconds').default(10_000),
    rateLimit: z
      .strictObject(
        {
          perSecond: z.number({ error: 'requests per second > 0' }).gt(0).max(1e6).default(50),
          burst: int(1, 1e6, 'requests').default(100),
        },
        { error: 'an object { perSecond, burst }' },
      )
      .default({ perSecond: 50, burst: 100 }),
    maxConcurrentPerAnalyst: int(1, 1024, 'queries').default(4),
    /**
     * DuckDB data sets: statements run at once, each on its own connection (engine-pool.ts). Default 4 (stop 26): a
     * connection is held from its statement's start until the main thread has taken the rows and released them, so
     * with 2 the pool was the bottleneck of distinct queries at concurrency 8 (both held ≈ 90–98% of the time, each
     * query waiting ≈ 10–20 ms for one, while DuckDB itself computed ≈ 1.6 ms a query); with 4 the wait is ≈ 3 ms
     * (bench/server/idle-phases.ts, bench/server/README.md "Stop 26"). 4 is also Node's thread pool size, where the
     * DuckDB driver runs its calls.
     */
    duckdbConnections: int(1, 64, 'connections').default(4),
    /** DuckDB data sets: worker threads of each connection (default: the cores shared out among the connections, `defaultDuckdbThreads`). */
    duckdbThreads: int(1, 1024, 'threads').optional(),
    playground: z.boolean({ error: 'true or false' }).default(true),
    /** Origins allowed to call the API from a browser (CORS); the playground served here needs none. */
    corsOrigins: z.array(z.string({ error: 'an origin' }), { error: 'a list of origins' }).default([]),
  },
  { error: (i) => (i.code === 'unrecognized_keys' ? `only the keys of server (${i.keys[0]} is not one)` : 'an object') },
);

const ledgerFormat = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('file') }),
    z.strictObject({
      kind: z.literal('postgres'),
      url: z.string({ error: 'a postgres:// URL' }).regex(/^postgres(ql)?:\/\//, { error: 'a postgres:// URL' }),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'a lower-case SQL identifier' })
        .optional(),
    }),
  ],
  { error: 'an object { kind: file } or { kind: postgres, url, schema? }' },
);

const datasetFormat = z
  .strictObject(
    {
      description: z.string().optional(),
      schema: path,
      files: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'a table name' }), path, { error: 'table → file' }).optional(),
      db: z.string({ error: 'duckdb:file.duckdb, postgres://… or clickhouse://…' }).min(1).optional(),
      cap: budgetFormat.optional(),
      analysts: z.record(name, budgetFormat, { error: 'analyst → { epsilon, delta? }' }),
      nonPrivateDemo: z.boolean({ error: 'true or false (true: exact answers for anyone with a key — demo data only)' }).optional(),
      /** Reuse the exact aggregates of repeated statements (exact-aggregate-cache.ts); default: on for a DuckDB file only. */
      exactAggregateCache: z.boolean({ error: 'true or false (true: the data never changes while the server runs)' }).optional(),
    },
    { error: (i) => (i.code === 'unrecognized_keys' ? `only the keys of a data set (${i.keys[0]} is not one)` : 'an object') },
  )
  .refine((d) => (d.files === undefined) !== (d.db === undefined), { error: 'exactly one of files or db' });

const collectorFormat = z.looseObject({
  protocol: z.enum(['rr', 'grr', 'oue', 'sue', 'olh', 'hr', 'cms', 'hcms', 'rappor'], {
    error: 'a protocol: rr, grr, oue, sue, olh, hr, cms, hcms or rappor',
  }),
  epsilon: z.number({ error: 'a number > 0' }).gt(0, { error: 'a number > 0' }),
  description: z.string().optional(),
  /** Candidates to estimate (sketches and RAPPOR need them; domain protocols estimate the whole domain). */
  candidates: z.array(z.union([z.string(), z.number()])).optional(),
  /** Labels of the domain's indices, for people (domain protocols). */
  labels: z.array(z.string()).optional(),
});

/** The configuration file's format (zod), the one definition of what `tsdp serve` accepts. */
export const serverConfigFormat = z.strictObject(
  {
    server: serverFormat.default(serverFormat.parse({})),
    ledger: ledgerFormat.default({ kind: 'file' }),
    datasets: z.record(name, datasetFormat, { error: 'name → data set' }),
    ldp: z.record(name, collectorFormat, { error: 'name → collector' }).default({}),
  },
  {
    error: (i) => (i.code === 'unrecognized_keys' ? `only the keys server, ledger, datasets, ldp (${i.keys[0]} is not one)` : 'an object'),
  },
);

type ConfigFile = z.output<typeof serverConfigFormat>;

/** An exact budget of the configuration. */
export interface ConfigBudget {
  readonly epsilon: Rational;
  readonly delta: Rational;
}

/** One data set as configured (paths absolute). */
export interface DatasetConfig {
  readonly name: string;
  readonly description?: string;
  readonly schemaPath: string;
  /** Table → absolute file path (CSV, Parquet, JSON), or undefined when `db` is given. */
  readonly files?: Readonly<Record<string, string>>;
  /** `duckdb:/abs/file.duckdb`, a PostgreSQL URL or a ClickHouse URL (`clickhouse://host:8123/db?cluster=name`). */
  readonly db?: string;
  /** The per-dataset cap (default: the schema's budget). */
  readonly cap?: ConfigBudget;
  /** Each analyst's budget under the cap. */
  readonly analysts: ReadonlyMap<string, ConfigBudget>;
  /**
   * A demo data set that is **not private**: `POST /v1/demo/plain-queries` answers exact (plain SQL) aggregates on it,
   * so that the playground can show what a plain SQL endpoint leaks beside the DP answers. For made-up data only.
   */
  readonly nonPrivateDemo: boolean;
  /**
   * The exact aggregates of a repeated statement are reused (`exact-aggregate-cache.ts`; noise fresh, every query
   * charged): only for data that never changes while the server runs. Default: on for a DuckDB database file (opened
   * read-only), off for files (they could be replaced in place), PostgreSQL and ClickHouse (live databases).
   */
  readonly exactAggregateCache: boolean;
}

/** One local-DP collector as configured. */
export interface CollectorConfig {
  readonly name: string;
  /** The protocol configuration (as `createAggregator` takes it). */
  readonly protocol: Record<string, unknown> & { protocol: string; epsilon: number };
  readonly candidates?: readonly (string | number)[];
  readonly labels?: readonly string[];
  readonly description?: string;
}

/** The validated configuration. */
export interface ServerConfig {
  /** The folder relative paths were read from. */
  readonly baseDir: string;
  readonly server: Omit<ConfigFile['server'], 'stateDir'> & { readonly stateDir: string };
  readonly ledger: ConfigFile['ledger'];
  readonly datasets: ReadonlyMap<string, DatasetConfig>;
  readonly collectors: ReadonlyMap<string, CollectorConfig>;
}

function pathText(p: readonly PropertyKey[]): string {
  return p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : `${s}.${String(k)}`), '$');
}

function configError(where: string, issues: readonly z.core.$ZodIssue[]): DpError<'INVALID_SCHEMA'> {
  const first = issues[0];
  let p = first ? [...first.path] : [];
  if (first?.code === 'unrecognized_keys') p = [...p, first.keys[0] ?? ''];
  const expected = first?.message ?? 'a valid configuration';
  const at = pathText(p);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new DpError('INVALID_SCHEMA', `${where} ${at}: expected ${expected}${more}`, { path: at, expected });
}

function budget(b: { epsilon: number | string; delta?: number | string | undefined }): ConfigBudget {
  const read = (x: number | string | undefined) => (x === undefined ? undefined : readSchemaAmount(x));
  const epsilon = read(b.epsilon);
  const delta = read(b.delta ?? 0);
  // budgetFormat accepted both, so they read; a failure here is a bug.
  if (!epsilon || !delta) throw new DpError('INTERNAL', 'an amount the format accepted did not read');
  return Object.freeze({ epsilon, delta });
}

/**
 * Validates a parsed configuration object.
 * @param raw - the parsed YAML/JSON value.
 * @param baseDir - the folder relative paths are read from (the config file's).
 * @param where - how to name the source in messages (the file's path).
 * @returns the frozen configuration with absolute paths and exact budgets.
 * @throws DpError INVALID_PARAMETER when baseDir is not an absolute path; INVALID_SCHEMA naming the path of the first problem and what was expected (an analyst budget above
 *   the data set's cap included).
 * @example
 * parseServerConfig({ datasets: { d: { schema: 'd.yaml', files: { t: 't.csv' }, analysts: { alice: { epsilon: 1 } } } } }, '/srv');
 */
export function parseServerConfig(raw: unknown, baseDir: string, where = 'config'): ServerConfig {
  if (typeof baseDir !== 'string' || !isAbsolute(baseDir)) {
    throw new DpError('INVALID_PARAMETER', 'baseDir must be an absolute folder path (the config file’s folder)', { parameter: 'baseDir' });
  }
  if (typeof where !== 'string') throw new DpError('INVALID_PARAMETER', 'where must be a string naming the source', { parameter: 'where' });
  const parsed = serverConfigFormat.safeParse(raw ?? {});
  if (!parsed.success) throw configError(where, parsed.error.issues);
  const file = parsed.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const datasets = new Map<string, DatasetConfig>();
  for (const [n, d] of Object.entries(file.datasets)) {
    const cap = d.cap ? budget(d.cap) : undefined;
    const analysts = new Map(Object.entries(d.analysts).map(([a, b]) => [a, budget(b)]));
    if (cap) {
      for (const [a, b] of analysts) {
        if (b.epsilon.gt(cap.epsilon) || b.delta.gt(cap.delta)) {
          const at = `$.datasets.${n}.analysts.${a}`;
          throw new DpError('INVALID_SCHEMA', `${where} ${at}: expected a budget within the data set's cap`, {
            path: at,
            expected: "a budget within the data set's cap",
          });
        }
      }
    }
    if (d.db !== undefined && isClickHouseUrl(d.db)) {
      try {
        clickhouseTarget(d.db);
      } catch {
        const at = `$.datasets.${n}.db`;
        throw new DpError('INVALID_SCHEMA', `${where} ${at}: expected clickhouse://host:8123/database?cluster=name`, {
          path: at,
          expected: 'clickhouse://host:8123/database?cluster=name',
        });
      }
    }
    const db =
      d.db === undefined ? undefined : isPostgresUrl(d.db) || isClickHouseUrl(d.db) ? d.db : `duckdb:${abs(d.db.replace(/^duckdb:/, ''))}`;
    datasets.set(
      n,
      Object.freeze({
        name: n,
        ...(d.description !== undefined ? { description: d.description } : {}),
        schemaPath: abs(d.schema),
        ...(d.files ? { files: Object.fromEntries(Object.entries(d.files).map(([t, f]) => [t.toLowerCase(), abs(f)])) } : {}),
        ...(db !== undefined ? { db } : {}),
        ...(cap ? { cap } : {}),
        analysts,
        nonPrivateDemo: d.nonPrivateDemo === true,
        exactAggregateCache: d.exactAggregateCache ?? db?.startsWith('duckdb:') === true,
      }),
    );
  }
  const collectors = new Map<string, CollectorConfig>();
  for (const [n, c] of Object.entries(file.ldp)) {
    const { candidates, labels, description, ...protocol } = c;
    collectors.set(
      n,
      Object.freeze({
        name: n,
        protocol,
        ...(candidates ? { candidates } : {}),
        ...(labels ? { labels } : {}),
        ...(description !== undefined ? { description } : {}),
      }),
    );
  }
  return Object.freeze({
    baseDir,
    server: Object.freeze({ ...file.server, stateDir: abs(file.server.stateDir) }),
    ledger: file.ledger,
    datasets,
    collectors,
  });
}

/**
 * Reads and validates a configuration file (YAML or JSON).
 * @param file - the file's path.
 * @returns the configuration (relative paths read from the file's folder).
 * @throws DpError INVALID_PARAMETER when file is not a path; NOT_FOUND when the file is missing; INVALID_SCHEMA when it is not YAML (with the line and column) or not a
 *   valid configuration (with the path of the problem).
 * @example
 * const config = loadServerConfig('examples/server/server.yaml');
 */
export function loadServerConfig(file: string): ServerConfig {
  if (typeof file !== 'string' || file === '') throw new DpError('INVALID_PARAMETER', 'file must be a path', { parameter: 'file' });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT') throw new DpError('NOT_FOUND', `config file not found: ${file}`, { kind: 'config file', name: file });
    throw new DpError('INVALID_SCHEMA', `${file}: expected a readable config file${code ? ` (${code})` : ''}`, {
      path: file,
      expected: 'a readable file',
    });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    const pos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const at = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    throw new DpError('INVALID_SCHEMA', `${file}: expected YAML (syntax error${at})`, { path: file, expected: 'YAML' });
  }
  return parseServerConfig(raw, dirname(resolve(file)), file);
}

/**
 * The edge check of a validated configuration handed to `createQueryServer` (S22: never a TypeError from a public
 * entry): read once, totally — the parts the server reads must be there with their types (a configuration comes from
 * `parseServerConfig` / `loadServerConfig`, which validate everything else).
 * @param config - the argument.
 * @throws DpError INVALID_PARAMETER when it is not a configuration (or a getter of it throws).
 */
export function checkServerConfig(config: unknown): asserts config is ServerConfig {
  edgeRead('config', () => {
    edgeRecord(config, 'config');
    const c = config as Record<string, unknown>;
    edgeRecord(c.server, 'config.server');
    edgeString((c.server as Record<string, unknown>).stateDir, 'config.server.stateDir');
    edgeRecord(c.ledger, 'config.ledger');
    for (const k of ['datasets', 'collectors'] as const) {
      if (!(c[k] instanceof Map))
        throw new DpError('INVALID_PARAMETER', `config.${k} must be a Map (use parseServerConfig)`, { parameter: `config.${k}` });
    }
    for (const d of (c.datasets as Map<unknown, unknown>).values()) checkDatasetConfig(d);
  });
}

/**
 * The edge check of one data set's configuration (`datasetSchema`, `openDataset`): read once, totally.
 * @param config - the argument.
 * @throws DpError INVALID_PARAMETER when it is not a data set configuration (or a getter of it throws).
 */
export function checkDatasetConfig(config: unknown): asserts config is DatasetConfig {
  edgeRead('config', () => {
    edgeRecord(config, 'config');
    const d = config as Record<string, unknown>;
    edgeString(d.name, 'config.name');
    edgeString(d.schemaPath, 'config.schemaPath');
    if (!(d.analysts instanceof Map))
      throw new DpError('INVALID_PARAMETER', 'config.analysts must be a Map (use parseServerConfig)', { parameter: 'config.analysts' });
  });
}
