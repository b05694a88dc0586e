/**
 * ClickHouse, the scale-out engine (issue 16), over its HTTP interface.
 *
 * **Per-shard pushdown.** With a cluster (`?cluster=name`), the engine reads the
 * layout from `system.clusters` when it opens (first replica of each shard) and
 * sends every compiled statement to **every shard in parallel**, each shard
 * reading its own local table. Every column of a compiled statement is either a
 * group key or an exact integer that is a sum over units (`merge` in
 * `clickhouse-compile.ts`): the driver adds the shards' rows key by key in
 * BigInt, and the release code adds noise once to the sums. This equals the
 * single-server answer exactly when every unit's rows are on one shard — which
 * is why a private table must be **sharded by its privacy unit**:
 * `catalog()` (run by `checkPublicStructure` before the charge) refuses, with
 * `UNSUPPORTED_QUERY` naming the fix, a private table whose cluster has no
 * `Distributed(cluster, db, table, key)` table with a sharding key that is a
 * deterministic function of the unit column alone (an allow-list of hashes and
 * conversions, e.g. `cityHash64(person_id)`; not `rand(person_id)`), or over
 * which any other Distributed table (any database, any shard) shards otherwise
 * (review S10). **Joins** (clickhouse-joins.ts): private tables of one query
 * must share one sharding function of their units, of one stored type
 * (co-located), and each joined public table must be the same full copy on
 * every shard (count and checksum compared before the charge). Rows
 * inserted through that Distributed table land on the shard of their unit; the
 * declaration is the administrator's statement of the layout (public metadata,
 * like the schema). Row-level tables (each row its own unit) need no sharding key.
 *
 * **Stored relations only** (review S29/S32, class 3 "answered depends on a row"; `clickhouse-stored.ts`): before
 * the charge, on every server a statement reaches, each declared table must be of a stored engine (MergeTree
 * family, Log family, Memory) with no column computed at read (ALIAS, DEFAULT, MATERIALIZED) and no row policy;
 * a Distributed table only through one server, over such tables on every shard of its cluster. Views,
 * dictionaries, materialized views and external or proxy engines (URL, File, MySQL, Merge, Buffer, Null, …)
 * run SQL tsdp did not compile and are refused `INVALID_SCHEMA`.
 *
 * **HTTP ports of the shards.** `system.clusters` lists native (TCP) ports. Each
 * shard's HTTP port is its TCP port plus the offset of the server in the URL
 * (its HTTP port minus its own TCP port: 8123 − 9000 on a default install,
 * 18123 − 18133 on `scripts/clickhouse.sh`'s cluster), or listed explicitly
 * with `shards`.
 *
 * **Ledger and errors.** Nothing but catalog reads (`system.*`, before the
 * charge) happens before `query`; `runDpSql` charges before its first `query`.
 * A shard that fails after that — down, timed out, any error — makes the whole
 * statement fail with the one data-independent ENGINE_ERROR, after all shards
 * have settled (never a partial answer); the charge stays.
 *
 * **Totality of the readers.** A text key that is not valid UTF-8 (ClickHouse
 * stores bytes) drops its group row before the merge: a fixed rule on the key
 * itself (like keys outside declared categories), so two byte strings never
 * become one released key and no engine error depends on the data.
 * @module
 */
import { DpError } from '../../core/errors.js';
import { edgeStringArray } from '../../numeric/edge.js';
import type { CompiledStatement } from '../dialect.js';
import { clickhouseDialect } from '../dialects/clickhouse.js';
import type { ClickHouseMerge, ClickHouseStatement } from '../dialects/clickhouse-compile.js';
import { quoteClickHouse } from '../dialects/clickhouse-expr.js';
import { textLiteral } from '../dialects/clickhouse-literals.js';
import { type EngineRow, type EngineValue, engineError, type SqlEngine } from '../engine.js';
import type { SqlSchema } from '../schema.js';
import {
  baseType,
  type ClickHouseEndpoint,
  type ClickHouseLimits,
  type ClickHouseResult,
  clickhouseLimitNames,
  clickhouseQuery,
  INVALID_TEXT,
} from './clickhouse-http.js';
import { checkReaderSettings } from './clickhouse-settings.js';
import { checkStoredRelations, distributedArgs } from './clickhouse-stored.js';
import { readByteLimit } from './resource-limits.js';

/** Options of `ClickHouseEngine.open`. */
export interface ClickHouseOptions {
  /** `http://host:port` of the server queries start from (the initiator). */
  readonly url: string;
  /** The database (default `default`). */
  readonly database?: string;
  readonly user?: string;
  readonly password?: string;
  /** The `remote_servers` cluster whose shards hold the tables; none: one server. */
  readonly cluster?: string;
  /** The shards' HTTP base URLs, in shard order, instead of the port-offset rule. */
  readonly shards?: readonly string[];
  /** The schema: which tables are private and their privacy units (required with a cluster of more than one shard). */
  readonly schema?: SqlSchema;
  /** Each statement's deadline in ms (default 60000): `max_execution_time` on every shard. */
  readonly statementTimeoutMs?: number;
  /**
   * `max_memory_usage` of every statement in bytes (default 10,000,000,000, ClickHouse 18.16's default; at least
   * 1 MiB), sent with it over the reader profile's (rule: `resource-limits.ts`).
   */
  readonly maxMemoryBytes?: number;
  /**
   * `max_bytes_before_external_group_by` and `…_sort` of every statement in bytes (default half of
   * `maxMemoryBytes`; 0: never spill): past it a GROUP BY or ORDER BY spills to disk instead of failing.
   */
  readonly spillBytes?: number;
}

/** ClickHouse 18.16's default `max_memory_usage` (bytes), tsdp's default pin. */
const DEFAULT_MAX_MEMORY_BYTES = 10_000_000_000;

/** The stored ClickHouse types a declared column may have, as `checkPublicStructure` reads them. */
function catalogType(stored: string, declared: string | undefined): string {
  // Review S60 (class 11): ClickHouse 18.16 refuses Nullable(LowCardinality(T)) at analysis, and an outer join
  // compiles its keys as toNullable(key) (clickhouse-joins.ts), so every LEFT JOIN on such a column was charged and
  // then failed, whatever the rows. A LowCardinality column is reported as stored (`lowcardinality(…)`), which no
  // declared type allows: the table is refused INVALID_SCHEMA before the charge (store the column as String).
  if (/LowCardinality\(/.test(stored)) return stored.toLowerCase();
  const t = baseType(stored);
  if (/^Int(8|16|32|64)$/.test(t)) return 'bigint';
  if (/^UInt(16|32)$/.test(t)) return 'bigint';
  if (t === 'UInt8') return declared === 'boolean' ? 'boolean' : 'bigint';
  if (t === 'Float64' || t === 'Float32') return 'double';
  const decimal = /^Decimal(?:32|64|128)?\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  if (t === 'String') return 'varchar';
  // FixedString(N) is not a text type here (review M15, class 11): the compiled SQL's String functions (S25c's
  // blank-unit `match`, `like`, `lowerUTF8`, `upperUTF8`) refuse it at analysis, whatever the rows, and its values are
  // NUL-padded (an equality with a shorter declared category never holds). Reported as `fixedstring(N)`, which no
  // declared type allows, so `checkPublicStructure` refuses the table INVALID_SCHEMA before the charge.
  const fixed = /^FixedString\((\d+)\)$/.exec(t);
  if (fixed) return `fixedstring(${fixed[1]})`;
  if (t === 'Date') return 'date';
  // UInt64 (values past 2⁶³ have no Int64), DateTime, Enum, arrays…: no declared type fits.
  return t.toLowerCase();
}

/**
 * Deterministic functions of one value a sharding key may nest (an allow-list: `rand(x)` ignores its argument, and
 * any function not listed might too). Conversions and hashes only: equal units always give equal keys.
 */
const SHARDING_FUNCTIONS = new Set([
  'cityHash64',
  'sipHash64',
  'intHash64',
  'intHash32',
  'xxHash64',
  'xxHash32',
  'murmurHash2_64',
  'murmurHash3_64',
  'murmurHash2_32',
  'murmurHash3_32',
  'farmHash64',
  'metroHash64',
  'javaHash',
  'halfMD5',
  'toUInt64',
  'toInt64',
  'toUInt32',
  'toInt32',
  'toString',
]);

/**
 * True when a Distributed sharding key is a deterministic function of `unit` alone: `unit`, or `f(unit)`,
 * `f(g(unit))`… with every function in the allow-list above (review S10: `rand(unit)` is not).
 */
export function shardsByUnit(key: string, unit: string): boolean {
  let k = key.replace(/\s+/g, '');
  const names = [unit, `\`${unit}\``, `"${unit}"`];
  for (let depth = 0; depth < 4; depth++) {
    if (names.includes(k)) return true;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)$/.exec(k);
    if (!m || !SHARDING_FUNCTIONS.has(m[1] as string)) return false;
    k = m[2] as string;
  }
  return false;
}

/** A sharding key with its unit column written `?` (whitespace and quotes removed): equal for tables sharded by the same function of their units. */
export function unitFunction(key: string, unit: string): string {
  const k = key.replace(/\s+/g, '');
  for (const name of [`\`${unit}\``, `"${unit}"`]) if (k.includes(name)) return k.split(name).join('?');
  return k.replace(new RegExp(`(^|[^A-Za-z0-9_])${unit.replace(/[^A-Za-z0-9_]/g, '')}(?![A-Za-z0-9_])`, 'g'), '$1?');
}

/** The ClickHouse engine: one server, or every shard of a cluster in parallel. */
export class ClickHouseEngine implements SqlEngine {
  readonly dialect = clickhouseDialect;
  private constructor(
    /** The server named in the URL (catalog reads). */
    private readonly initiator: ClickHouseEndpoint,
    /** The shards statements run on (one: the initiator itself). */
    readonly shards: readonly ClickHouseEndpoint[],
    private readonly cluster: string | null,
    private readonly schema: SqlSchema | undefined,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Connects: reads the cluster layout (when a cluster is named) and checks that every shard answers.
   * @throws DpError ENGINE_ERROR when a server cannot be reached; INVALID_PARAMETER for an unknown cluster, a bad URL, or a cluster of several shards without the schema.
   */
  static async open(options: ClickHouseOptions): Promise<ClickHouseEngine> {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new DpError('INVALID_PARAMETER', 'the ClickHouse URL does not parse (expected http://host:port)', { parameter: 'db' });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new DpError('INVALID_PARAMETER', 'the ClickHouse URL must be http(s)://host:port', { parameter: 'db' });
    const database = options.database ?? 'default';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database))
      throw new DpError('INVALID_PARAMETER', 'the ClickHouse database must be a plain identifier', { parameter: 'db' });
    const maxMemoryBytes = readByteLimit(options.maxMemoryBytes, 'maxMemoryBytes') ?? DEFAULT_MAX_MEMORY_BYTES;
    const spillBytes = readByteLimit(options.spillBytes, 'spillBytes', 0) ?? Math.floor(maxMemoryBytes / 2);
    const limits: ClickHouseLimits = { maxMemoryBytes, spillBytes };
    const who = {
      database,
      ...(options.user ? { user: options.user } : {}),
      ...(options.password ? { password: options.password } : {}),
      limits,
    };
    const initiator: ClickHouseEndpoint = { base: base.origin, ...who };
    const timeoutMs = options.statementTimeoutMs ?? 60_000;
    let shards: ClickHouseEndpoint[] = [initiator];
    const cluster = options.cluster ?? null;
    if (cluster !== null) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster))
        throw new DpError('INVALID_PARAMETER', 'the ClickHouse cluster name must be a plain identifier', { parameter: 'cluster' });
      const layout = await clickhouseQuery(
        initiator,
        `SELECT toInt64(shard_num) AS s, host_address AS h, toInt64(port) AS p, toInt64(is_local) AS l FROM system.clusters WHERE cluster = ${textLiteral(cluster)} AND replica_num = 1 ORDER BY shard_num`,
        timeoutMs,
      );
      if (layout.rows.length === 0)
        throw new DpError('INVALID_PARAMETER', `the ClickHouse server has no cluster "${cluster}" in remote_servers`, {
          parameter: 'cluster',
        });
      if (options.shards) {
        if (options.shards.length !== layout.rows.length)
          throw new DpError('INVALID_PARAMETER', `give one HTTP URL per shard of "${cluster}" (${layout.rows.length})`, {
            parameter: 'shards',
          });
        shards = options.shards.map((s) => ({ base: new URL(s).origin, ...who }));
      } else {
        const local = layout.rows.find((r) => r[3] === 1n);
        if (!local)
          throw new DpError(
            'INVALID_PARAMETER',
            `the server in the URL is not a shard of "${cluster}": list the shards' HTTP URLs (shards=…)`,
            {
              parameter: 'shards',
            },
          );
        const offset = Number(base.port || (base.protocol === 'https:' ? 443 : 80)) - Number(local[2]);
        shards = layout.rows.map((r) => {
          const u = new URL(base.origin);
          u.hostname = String(r[1]).includes(':') ? `[${String(r[1])}]` : String(r[1]);
          u.port = String(Number(r[2]) + offset);
          return { base: u.origin, ...who };
        });
      }
      if (shards.length > 1 && !options.schema)
        throw new DpError(
          'INVALID_PARAMETER',
          'a ClickHouse cluster of several shards needs the schema (to check that tables are sharded by their unit)',
          {
            parameter: 'schema',
          },
        );
    }
    await Promise.all(shards.map((s) => clickhouseQuery(s, 'SELECT 1 AS one', timeoutMs)));
    return new ClickHouseEngine(initiator, shards, cluster, options.schema, timeoutMs);
  }

  /**
   * The columns of `tables` on every shard (a table must exist with the same columns everywhere), the check that
   * each is a stored relation on every shard (`clickhouse-stored.ts`: stored engines, no column computed at read;
   * review S29/S32), and — with several shards — the check that each private table of the schema is sharded by
   * its privacy unit. Reads `system.columns` and `system.tables` only, never a row.
   * @throws DpError ENGINE_ERROR when a catalog cannot be read; INVALID_SCHEMA for a relation that is not stored;
   *   INVALID_PARAMETER for a reader whose changed settings could change a result (`clickhouse-settings.ts`);
   *   UNSUPPORTED_QUERY for a private table not sharded by its unit.
   */
  async catalog(tables: readonly string[]): Promise<ReadonlyMap<string, ReadonlyMap<string, string>>> {
    tables = edgeStringArray(tables, 'tables'); // S7 edge: read once, totally (numeric/edge.ts)
    const out = new Map<string, Map<string, string>>();
    if (tables.length === 0) return out;
    // First, settings that could change what a statement computes (review M11; clickhouse-settings.ts).
    await checkReaderSettings(this.shards, this.timeoutMs);
    const list = tables.map(textLiteral).join(', ');
    const sql = `SELECT table AS t, name AS c, type AS ty FROM system.columns WHERE database = currentDatabase() AND table IN (${list}) ORDER BY table, name`;
    const perShard = await Promise.all(this.shards.map((s) => clickhouseQuery(s, sql, this.timeoutMs)));
    const text = (r: ClickHouseResult) => JSON.stringify(r.rows.map((row) => row.map((v) => (typeof v === 'symbol' ? null : String(v)))));
    const first = perShard[0] as ClickHouseResult;
    const stored = new Map<string, Map<string, string>>();
    for (const r of first.rows) {
      const [t, c, ty] = r.map((v) => (typeof v === 'string' ? v : '')) as [string, string, string];
      stored.set(t, (stored.get(t) ?? new Map<string, string>()).set(c, ty));
      const declared = this.schema?.tables.get(t)?.columns.get(c)?.type;
      const m = out.get(t) ?? new Map<string, string>();
      m.set(c, catalogType(ty, declared));
      out.set(t, m);
    }
    // A table whose structure differs between shards is reported missing (public, before the charge).
    for (const r of perShard.slice(1)) if (text(r) !== text(first)) for (const t of tables) if (!sameTable(first, r, t)) out.delete(t);
    // Stored relations only, on every server a statement reaches (review S29/S32; clickhouse-stored.ts).
    await checkStoredRelations(this.shards, tables, this.timeoutMs);
    if (this.shards.length > 1)
      await this.checkSharding(
        tables.filter((t) => out.has(t)),
        stored,
      );
    return out;
  }

  /**
   * Refuses a private table that is not sharded by its privacy unit, private tables of one query sharded by
   * different functions of their units or with units of different stored types (a unit join would miss rows on
   * other shards), and a public table that is not the same full copy on every shard (see the module header).
   */
  private async checkSharding(tables: readonly string[], stored: ReadonlyMap<string, ReadonlyMap<string, string>>): Promise<void> {
    const schema = this.schema;
    if (!schema) throw new DpError('INTERNAL', 'a cluster engine without its schema');
    // Every Distributed table of every database on every shard (rows may have been inserted through any of them).
    const sql = "SELECT database AS d, name AS n, engine_full AS e FROM system.tables WHERE engine = 'Distributed'";
    const dist = (await Promise.all(this.shards.map((s) => clickhouseQuery(s, sql, this.timeoutMs)))).flatMap((r) => r.rows);
    const privateKeys: { table: string; unit: string; keys: Set<string> }[] = [];
    for (const t of tables) {
      const declared = schema.tables.get(t);
      if (!declared || declared.isPublic || declared.unit.column === null) continue;
      const unit = declared.unit.column;
      const keys = new Set<string>();
      let random = false;
      for (const r of dist) {
        const a = typeof r[2] === 'string' ? distributedArgs(r[2]) : null;
        if (a === null) {
          random = true; // an engine definition this reader cannot parse: it might shard anything anywhere
          continue;
        }
        // The target database: the Distributed table's own when written '' or currentDatabase().
        const target = a.database === '' || a.database === 'currentDatabase()' ? String(r[0]) : a.database;
        if (target !== this.initiator.database || a.table !== t) continue;
        if (a.cluster === this.cluster && shardsByUnit(a.key, unit)) keys.add(unitFunction(a.key, unit));
        else random = true; // another cluster, no key, or a key that is not a deterministic function of the unit
      }
      if (keys.size === 0 || random) {
        throw new DpError(
          'UNSUPPORTED_QUERY',
          `the table "${t}" is not sharded by its privacy unit "${unit}" on cluster "${this.cluster}" (every Distributed table over it must shard by a hash of the unit alone): per-shard bounding is exact only when all of a unit's rows are on one shard. ` +
            `Drop any other Distributed table over it and create CREATE TABLE ${t}_all AS ${t} ENGINE = Distributed(${this.cluster}, ${this.initiator.database}, ${t}, cityHash64(${unit})) and load the data through it (docs/clickhouse.md); nothing was charged`,
          {
            construct: 'a table not sharded by its privacy unit',
            hint: `Distributed(${this.cluster}, ${this.initiator.database}, ${t}, cityHash64(${unit}))`,
          },
        );
      }
      // Review M10 (c): a float unit cannot be sharded exactly — the sharding hash sends −0 and +0 (one unit, the
      // compiler's rule) to different shards, where each would be bounded on its own.
      if (/^Float(32|64)$/.test(baseType(stored.get(t)?.get(unit) ?? ''))) {
        throw new DpError(
          'UNSUPPORTED_QUERY',
          `the privacy unit "${unit}" of "${t}" is a floating-point column: on a cluster of several shards its sharding hash sends −0 and +0 (one unit) to different shards. ` +
            'Use an integer or text unit (or query through one server); nothing was charged',
          { construct: 'a floating-point privacy unit on several shards', hint: 'an Int64 or String unit column' },
        );
      }
      privateKeys.push({ table: t, unit, keys });
    }
    if (privateKeys.length > 1) {
      // Co-location of a unit join: one sharding function of the unit for every private table, units of one stored type.
      const [first, ...rest] = privateKeys as [(typeof privateKeys)[0], ...typeof privateKeys];
      const common = [...first.keys].filter((k) => rest.every((p) => p.keys.has(k)));
      const typeOf = (p: { table: string; unit: string }) => stored.get(p.table)?.get(p.unit);
      if (common.length === 0 || rest.some((p) => typeOf(p) !== typeOf(first))) {
        throw new DpError(
          'UNSUPPORTED_QUERY',
          `the private tables ${privateKeys.map((p) => `"${p.table}"`).join(', ')} are not sharded by the same function of their privacy units (of one stored type) on cluster "${this.cluster}": ` +
            'a join on the unit would miss rows held by other shards. Shard every private table by cityHash64(<unit>) with units of the same ClickHouse type (docs/clickhouse.md); nothing was charged',
          { construct: 'private tables sharded differently', hint: 'Distributed(…, cityHash64(<unit>)) for every private table' },
        );
      }
    }
    const publics = tables.filter((t) => schema.tables.get(t)?.isPublic === true);
    for (const t of publics) {
      const cols = [...(schema.tables.get(t)?.columns.keys() ?? [])].filter((c) => stored.get(t)?.has(c));
      if (cols.length === 0) continue;
      // Public data (the same in neighbouring data sets): reading it before the charge reveals nothing private.
      const sql = `SELECT toString(count()) AS n, toString(sum(cityHash64(toString(tuple(${cols.map(quoteClickHouse).join(', ')}))))) AS h FROM ${quoteClickHouse(t)}`;
      const sums = await Promise.all(this.shards.map((s) => clickhouseQuery(s, sql, this.timeoutMs)));
      const text = (r: ClickHouseResult) => JSON.stringify(r.rows.map((row) => row.map(String)));
      if (sums.some((r) => text(r) !== text(sums[0] as ClickHouseResult))) {
        throw new DpError(
          'UNSUPPORTED_QUERY',
          `the public table "${t}" is not the same on every shard of "${this.cluster}": each shard joins its own copy, so a public table must be a full copy on every shard ` +
            `(create it on every shard and insert all its rows into each, or use a ReplicatedMergeTree per shard; docs/clickhouse.md); nothing was charged`,
          { construct: 'a public table that differs between shards', hint: 'a full copy of the public table on every shard' },
        );
      }
    }
  }

  /**
   * Runs a compiled statement on every shard in parallel and adds the partial sums key by key.
   * @throws DpError ENGINE_ERROR when any shard fails (one data-independent error, after all have settled).
   */
  async query(statement: CompiledStatement): Promise<EngineRow[]> {
    const merge = (statement as Partial<ClickHouseStatement>).merge;
    if (!merge || statement.params.length > 0) throw new DpError('INTERNAL', 'a statement not compiled for ClickHouse');
    const settled = await Promise.allSettled(this.shards.map((s) => clickhouseQuery(s, statement.sql, this.timeoutMs)));
    const results: ClickHouseResult[] = [];
    for (const s of settled) {
      if (s.status === 'rejected') {
        // INTERNAL (a compiler error) stays; anything else is the one engine error.
        if (s.reason instanceof DpError && s.reason.code === 'INTERNAL') throw s.reason;
        throw engineError('clickhouse', clickhouseLimitNames(this.initiator.limits, this.timeoutMs));
      }
      results.push(s.value);
    }
    return mergeShards(results, merge);
  }

  async close(): Promise<void> {}
}

function sameTable(a: ClickHouseResult, b: ClickHouseResult, table: string): boolean {
  const of = (r: ClickHouseResult) => JSON.stringify(r.rows.filter((row) => row[0] === table).map((row) => row.map(String)));
  return of(a) === of(b);
}

/**
 * Adds the shards' rows key by key: keys compared by type and value, sums added exactly.
 * @throws DpError INTERNAL on a column the merge rule does not name or a sum that is not an integer.
 */
export function mergeShards(results: readonly ClickHouseResult[], merge: ClickHouseMerge): EngineRow[] {
  const groups = new Map<string, Record<string, EngineValue>>();
  for (const r of results) {
    const index = (name: string) => {
      const i = r.names.indexOf(name);
      if (i < 0) throw new DpError('INTERNAL', 'a ClickHouse result without a compiled column');
      return i;
    };
    const keyAt = merge.keys.map(index);
    const sumAt = merge.sums.map(index);
    if (keyAt.length + sumAt.length !== r.names.length) throw new DpError('INTERNAL', 'a ClickHouse result with an unexpected column');
    for (const row of r.rows) {
      const keys = keyAt.map((i) => row[i]);
      // A text key that is not valid UTF-8: the group is dropped (a fixed rule on the key; see the module header).
      if (keys.some((k) => k === INVALID_TEXT)) continue;
      const values = keys as EngineValue[];
      const id = JSON.stringify(values.map((v) => (v === null ? null : [typeof v, String(v)])));
      let g = groups.get(id);
      if (!g) {
        g = {};
        merge.keys.forEach((k, j) => {
          const v = values[j] ?? null;
          (g as Record<string, EngineValue>)[k] = merge.booleans.includes(k) && typeof v === 'bigint' ? v !== 0n : v;
        });
        for (const s of merge.sums) g[s] = 0n;
        groups.set(id, g);
      }
      merge.sums.forEach((s, j) => {
        const v = row[sumAt[j] as number];
        // NULL: the sum of no values (every value NULL in a group), exactly 0 (as toBig reads it on the other engines).
        const add = v === null ? 0n : typeof v === 'bigint' ? v : typeof v === 'string' && /^-?\d{1,40}$/.test(v) ? BigInt(v) : null;
        if (add === null)
          throw new DpError('INTERNAL', 'ClickHouse returned an aggregate that is not an exact integer (the value is withheld)');
        (g as Record<string, EngineValue>)[s] = ((g as Record<string, EngineValue>)[s] as bigint) + add;
      });
    }
  }
  return [...groups.values()];
}
