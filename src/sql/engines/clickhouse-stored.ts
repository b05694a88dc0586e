/**
 * Stored relations only, on ClickHouse (review S29's class — "whether a query is answered depends on one
 * person's row" — through a relation tsdp did not compile; S32/S32b through a column computed at read).
 *
 * **Threat.** tsdp's compiled SQL is total (`clickhouse-compile.ts`, `test/clickhouse/totality.test.ts`), but
 * that covers the statement, not the relation it reads. A declared table that is a `View`, a `Dictionary`, or
 * a table over an external engine (`URL`, `File`, `MySQL`, `ODBC`, `JDBC`, `HDFS`, `Kafka`, `Merge`, `Buffer`,
 * …) evaluates the operator's SQL or reaches another system **at read time**; a column with `ALIAS`, or a
 * `DEFAULT`/`MATERIALIZED` expression (computed at read for parts written before an `ALTER … ADD COLUMN`),
 * evaluates the operator's expression at read time too. One person's raw value that does not cast then turns
 * an answer into `ENGINE_ERROR` after the charge, and with `WHERE pid = 42 AND …` asks about a chosen person.
 *
 * **Rule.** Before any charge (`catalog`, run by `checkPublicStructure`), on **every** server a statement will
 * reach, a declared table must be:
 * - of a **stored engine** (`STORED_ENGINES`): the MergeTree family (`MergeTree`, `Replacing`, `Summing`,
 *   `Aggregating`, `Collapsing`, `VersionedCollapsing`, `Graphite`, each also `Replicated…`: a read returns
 *   the parts' rows as stored — background merges change the data, never a read), the Log family (`TinyLog`,
 *   `StripeLog`, `Log`) and `Memory` — a read of each returns stored rows and evaluates nothing;
 * - with **no computed column** (`system.columns.default_kind` empty for every column of the table, not only
 *   the declared ones: `count()` reads the smallest physical column, which may be one filled at read);
 * - on newer ClickHouse, with **no row policy** (`system.row_policies`, absent on 18.16): a policy's filter is
 *   operator SQL evaluated at read, like PostgreSQL's RLS (S31).
 *
 * Everything else is refused `INVALID_SCHEMA` (the engine and column names are catalog, public), whatever the
 * rows. Decided engine by engine:
 * - `MaterializedView` — refused: a read goes to its target table (`.inner.` or `TO t`), whose engine and
 *   columns would need the same check; declaring the target table itself is equivalent and checked.
 * - `Distributed` — tsdp never creates one; it reads Distributed tables as **layout metadata** (their sharding
 *   keys, `clickhouse.ts` `checkSharding`). As a declared table it is accepted only when statements go to **one**
 *   server (no cluster, or a cluster of one shard) — the documented slower path for a table not sharded by its
 *   unit — and when, on every shard of its cluster (`cluster(c, system, …)`: one replica per shard; replicas of
 *   a shard are taken to have the structure replication keeps equal), its target table exists, is of a stored
 *   engine (not itself Distributed: a Distributed over a Distributed over the same cluster counts every row once
 *   per shard), has no computed column, and has every column of the Distributed table with the same type (the
 *   initiator would otherwise CAST remote values, which can fail on one row). Sent to several shards it is
 *   refused: each shard would read every shard, counting each row once per shard.
 * - `Null`, `Set`, `Join`, `View`, `Dictionary`, `Buffer`, `Merge`, `File`, `URL`, `MySQL`, `PostgreSQL`,
 *   `ODBC`, `JDBC`, `HDFS`, `S3`, `Kafka`, `GenerateRandom`, `LiveView`, any engine not named above — refused.
 *
 * The data owner materialises such a relation into a stored table (`CREATE TABLE t (…plain columns…) ENGINE =
 * MergeTree … ; INSERT INTO t SELECT …`): a cast that fails then fails at load time, outside tsdp.
 * Tests: `test/clickhouse/stored-only.test.ts` (regression per member; fast-check over engine kind × one more
 * person: refused before the charge with equal charges, or answered).
 * @module
 */
import { DpError } from '../../core/errors.js';
import { textLiteral } from '../dialects/clickhouse-literals.js';
import { type ClickHouseEndpoint, type ClickHouseResult, clickhouseQuery } from './clickhouse-http.js';

/** Engines whose read returns stored rows and evaluates no operator SQL (see the module header). */
const STORED_ENGINES =
  /^(?:(?:Replicated)?(?:Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing|Graphite)?MergeTree|TinyLog|StripeLog|Log|Memory)$/;

/** True when a table of `engine` (as `system.tables.engine` names it) is stored (see the module header). */
export function isStoredEngine(engine: string): boolean {
  return STORED_ENGINES.test(engine);
}

/** The arguments of `Distributed(cluster, database, table[, key[, policy]])` (quotes removed; key '' when none), or null. */
export function distributedArgs(engineFull: string): { cluster: string; database: string; table: string; key: string } | null {
  const m = /^Distributed\(\s*'?([^,']*)'?\s*,\s*'?([^,']*)'?\s*,\s*'?([^,')]*)'?\s*(?:,\s*(.+?))?\s*\)\s*(SETTINGS.*)?$/.exec(
    engineFull.trim(),
  );
  if (!m) return null;
  return { cluster: m[1] as string, database: m[2] as string, table: m[3] as string, key: m[4] ?? '' };
}

const STORED_LIST = 'the MergeTree family, the Log family or Memory, with no ALIAS, DEFAULT or MATERIALIZED column';

function refuse(table: string, what: string): DpError<'INVALID_SCHEMA'> {
  return new DpError(
    'INVALID_SCHEMA',
    `the table "${table}" declared in the schema ${what} in the ClickHouse database: tsdp reads stored tables only (SQL it did not compile may fail on one person's row, after the charge); ` +
      `store it as a table of ${STORED_LIST} (CREATE TABLE … ENGINE = MergeTree …; INSERT INTO … SELECT …); nothing was charged`,
    { path: `tables.${table}`, expected: `a table of ${STORED_LIST}` },
  );
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Refuses, before any charge, a declared table that is not a stored relation on every server in `servers`
 * (the rule in the module header). Reads `system.tables`, `system.columns` (and `system.row_policies` where it
 * exists) only, never a row.
 * @param servers - every server a statement will be sent to (the shards, or the one server).
 * @param tables - the declared tables the query reads.
 * @param timeoutMs - each catalog read's deadline.
 * @throws DpError INVALID_SCHEMA for a relation that is not stored (or a Distributed table whose targets are not);
 *   ENGINE_ERROR when a catalog cannot be read.
 */
export async function checkStoredRelations(
  servers: readonly ClickHouseEndpoint[],
  tables: readonly string[],
  timeoutMs: number,
): Promise<void> {
  if (tables.length === 0) return;
  const list = tables.map(textLiteral).join(', ');
  const engines = `SELECT name AS n, engine AS e, engine_full AS f FROM system.tables WHERE database = currentDatabase() AND name IN (${list}) ORDER BY name`;
  const computed = `SELECT table AS t, name AS c, default_kind AS k FROM system.columns WHERE database = currentDatabase() AND table IN (${list}) AND default_kind != '' ORDER BY table, name`;
  const policies = "SELECT toInt64(count()) AS n FROM system.tables WHERE database = 'system' AND name = 'row_policies'";
  const perServer = await Promise.all(
    servers.map(async (s) => {
      const [e, c, p] = await Promise.all([engines, computed, policies].map((sql) => clickhouseQuery(s, sql, timeoutMs)));
      return {
        server: s,
        engines: e as ClickHouseResult,
        computed: c as ClickHouseResult,
        hasPolicies: (p as ClickHouseResult).rows[0]?.[0] !== 0n,
      };
    }),
  );
  for (const { server, engines: e, computed: c, hasPolicies } of perServer) {
    const [t0, column, kind] = (c.rows[0] ?? []).map(text);
    if (t0 !== undefined) throw refuse(t0, `has a column "${column}" computed at read (${kind})`);
    for (const [t, engine, full] of e.rows.map((r) => r.map(text)) as [string, string, string][]) {
      if (isStoredEngine(engine)) continue;
      if (engine !== 'Distributed') throw refuse(t, `is of engine ${engine}`);
      if (servers.length > 1)
        throw refuse(t, 'is a Distributed table and the query goes to every shard (each would read every shard); declare its local table');
      await checkDistributedTargets(server, t, full, timeoutMs);
    }
    if (hasPolicies) {
      const sql = `SELECT table AS t FROM system.row_policies WHERE database = currentDatabase() AND table IN (${list}) LIMIT 1`;
      const r = await clickhouseQuery(server, sql, timeoutMs);
      if (r.rows.length > 0) throw refuse(text(r.rows[0]?.[0]), 'has a row policy (a filter evaluated at read)');
    }
  }
}

/** The targets of a declared Distributed table read through one server (module header, `Distributed`). */
async function checkDistributedTargets(server: ClickHouseEndpoint, table: string, engineFull: string, timeoutMs: number): Promise<void> {
  const a = distributedArgs(engineFull);
  if (a === null || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(a.cluster))
    throw refuse(table, 'is a Distributed table whose definition tsdp cannot read');
  const database = a.database === '' || a.database === 'currentDatabase()' ? server.database : a.database;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database) || !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(a.table))
    throw refuse(table, 'is a Distributed table whose definition tsdp cannot read');
  const c = textLiteral(a.cluster);
  const where = `database = ${textLiteral(database)}`;
  const [shards, targets, columns, own] = await Promise.all(
    [
      `SELECT toInt64(count()) AS n FROM system.clusters WHERE cluster = ${c} AND replica_num = 1`,
      `SELECT engine AS e FROM cluster(${c}, system, tables) WHERE ${where} AND name = ${textLiteral(a.table)}`,
      `SELECT name AS c, type AS ty, default_kind AS k FROM cluster(${c}, system, columns) WHERE ${where} AND table = ${textLiteral(a.table)}`,
      `SELECT name AS c, type AS ty FROM system.columns WHERE database = currentDatabase() AND table = ${textLiteral(table)}`,
    ].map((sql) => clickhouseQuery(server, sql, timeoutMs)),
  );
  const n = Number((shards as ClickHouseResult).rows[0]?.[0] ?? 0n);
  const engines = (targets as ClickHouseResult).rows.map((r) => text(r[0]));
  if (n === 0 || engines.length !== n) throw refuse(table, `is a Distributed table whose table "${a.table}" is missing on a shard`);
  const bad = engines.find((e) => !isStoredEngine(e));
  if (bad !== undefined) throw refuse(table, `is a Distributed table over a table of engine ${bad} on a shard`);
  const remote = (columns as ClickHouseResult).rows.map((r) => r.map(text)) as [string, string, string][];
  const kind = remote.find((r) => r[2] !== '');
  if (kind)
    throw refuse(table, `is a Distributed table over a table whose column "${kind[0]}" is computed at read (${kind[2]}) on a shard`);
  for (const [column, type] of (own as ClickHouseResult).rows.map((r) => r.map(text))) {
    const same = remote.filter((r) => r[0] === column && r[1] === type).length;
    if (same !== n)
      throw refuse(
        table,
        `is a Distributed table whose column "${column}" is missing or of another type than ${type} on a shard (values would be converted at read)`,
      );
  }
}
