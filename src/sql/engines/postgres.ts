/**
 * PostgreSQL, the server engine (`pg`). Each query runs in its own
 * transaction that is `READ ONLY`, has a `statement_timeout` and pinned
 * resource limits (`work_mem`, `temp_file_limit`: `resource-limits.ts`), and — when
 * `readerRole` is given — switches to that query role (e.g. `tsdp_reader`),
 * which holds nothing but `SELECT` on the declared tables. The role and its
 * grants are made explicitly by an administrator (`setupPostgresLedger` in
 * `src/ledger/postgres-setup.ts`); nothing is created or granted here. Compiled statements never
 * aggregate `real` values: every clamped value is cast to double precision and
 * summed as integers (numeric) on a fixed-point grid.
 * @module
 */
import type pg from 'pg';
import { DpError } from '../../core/index.js';
import { loadPg } from '../../ledger/load-pg.js';
import { edgeArray, edgeFunction, edgeInteger, edgeRead, edgeRecord, edgeString, edgeStringArray } from '../../numeric/edge.js';
import type { CompiledStatement } from '../dialect.js';
import { postgresDialect } from '../dialects/postgres.js';
import { type EngineRow, engineError, normalizeValue, type SnapshotReader, type SqlEngine } from '../engine.js';
import { type EngineLimits, readByteLimit } from './resource-limits.js';
import { shadowedBuiltinsError, storedOnlyError } from './stored-only.js';

/** Options of `PostgresEngine.open`. */
export interface PostgresOptions {
  /** postgres://user@host:port/db */
  readonly connectionString: string;
  /** Statement timeout in ms (default 60000). */
  readonly statementTimeoutMs?: number;
  /** The query role to switch to for every query (none by default); it must exist with the connecting role a member — never created here. */
  readonly readerRole?: string;
  /**
   * `work_mem` pinned in every transaction, in kB (default 65536; at least 64): what a sort or hash holds in memory
   * before it spills to temporary files (`hash_mem_multiplier` pinned to 2). Rule: `resource-limits.ts`.
   */
  readonly workMemKb?: number;
  /**
   * `temp_file_limit` pinned in every transaction, in kB (at least 64): the temporary-file space one statement may
   * use. A superuser setting (PostgreSQL ≥ 15: or `GRANT SET ON PARAMETER temp_file_limit`): `open` refuses it
   * (INVALID_PARAMETER) when the connecting role cannot set it. Not given: the server's value, read at open.
   */
  readonly tempFileLimitKb?: number;
}

/** The default `work_mem` pinned in every transaction (kB). */
const DEFAULT_WORK_MEM_KB = 65_536;
/** PostgreSQL's own floor of `work_mem` and `temp_file_limit` (kB). */
const MIN_PG_KB = 64;

/**
 * Session settings pinned in every transaction (review S36): those that change what a statement returns or how its
 * text is printed and parsed by `pg` — float digits (shortest exact), date/interval styles, time zone, string
 * literal escapes, `= NULL`, bytea output, client encoding — and `row_security = on` (never bypassed silently).
 */
const PINNED_SETTINGS = [
  'extra_float_digits = 3',
  '"DateStyle" = \'ISO, MDY\'',
  '"IntervalStyle" = \'postgres\'',
  '"TimeZone" = \'UTC\'',
  'standard_conforming_strings = on',
  'transform_null_equals = off',
  "bytea_output = 'hex'",
  "client_encoding = 'UTF8'",
  'row_security = on',
]
  .map((s) => `SET LOCAL ${s}`)
  .join('; ');

/** The most bind values one statement takes (PostgreSQL's wire protocol carries at most 65,535). */
const MAX_PARAMS = 65_535;

/**
 * S7 edge (issue 10 class 12; `numeric/edge.ts`): the statement is read once, totally, into plain values before
 * anything reaches the driver. `pg` serialises any `Array.isArray` value as a PostgreSQL array by looping to its
 * `length`: a Proxy array whose `length` reads 1e308 grew one string until the process ran out of heap (how the
 * instance-method sweep with PostgreSQL killed its worker). So: `sql` a string, `params` an array of at most
 * MAX_PARAMS records whose `value` is a scalar (bigint sent as its decimal text) — anything else INVALID_PARAMETER.
 */
function readStatement(statement: unknown): { text: string; values: (string | number | boolean | null)[] } {
  return edgeRead('statement', () => {
    edgeRecord(statement, 'statement');
    const { sql: text, params } = statement as { sql: unknown; params: unknown };
    edgeString(text, 'statement.sql');
    edgeArray(params, 'statement.params');
    const n = params.length;
    edgeInteger(n, 'statement.params.length', 0, MAX_PARAMS);
    const values: (string | number | boolean | null)[] = [];
    for (let i = 0; i < n; i++) {
      const p = params[i];
      edgeRecord(p, 'statement.params[]');
      const v = (p as { value: unknown }).value;
      if (typeof v === 'bigint') values.push(v.toString());
      else if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') values.push(v);
      else edgeString(v, 'statement.params[].value');
    }
    return { text, values };
  });
}

/** The largest chunk `queryChunks` hands on (public): 2¹⁶ rows, as DuckDB's (`duckdb-stream.ts`). */
const MAX_CHUNK_ROWS = 1 << 16;

/** A `pg` row as engine values (`normalizeValue`). */
function normalizeRow(r: Record<string, unknown>): EngineRow {
  const o: Record<string, ReturnType<typeof normalizeValue>> = {};
  for (const [k, v] of Object.entries(r)) o[k] = normalizeValue(v);
  return o;
}

/** The PostgreSQL engine. */
export class PostgresEngine implements SqlEngine {
  readonly dialect = postgresDialect;
  private closed = false;
  private constructor(
    private readonly pool: pg.Pool,
    private readonly timeoutMs: number,
    /** The role queries run as, or null when the connecting role could not set one up (READ ONLY still applies). */
    readonly readerRole: string | null,
    /** The resource limits pinned in every transaction (`SET LOCAL …; `), before the role switch. */
    private readonly limitSettings: string,
    /** The limits statements run under, as the one engine error names them (resource-limits.ts). */
    readonly limits: EngineLimits,
  ) {}

  /**
   * Connects and prepares the read-only role.
   * @throws DpError ENGINE_ERROR when the server cannot be reached; NOT_FOUND when the optional peer dependency `pg` is not installed.
   */
  static async open(options: PostgresOptions): Promise<PostgresEngine> {
    const workMemKb = readByteLimit(options.workMemKb, 'workMemKb', MIN_PG_KB) ?? DEFAULT_WORK_MEM_KB;
    const tempFileLimitKb = readByteLimit(options.tempFileLimitKb, 'tempFileLimitKb', MIN_PG_KB);
    const { Pool } = await loadPg(); // an optional peer dependency: DpError NOT_FOUND when absent
    const pool = new Pool({ connectionString: options.connectionString, max: 4 });
    pool.on('error', () => {});
    const role = options.readerRole;
    if (role !== undefined && !/^[a-z_][a-z0-9_]*$/.test(role)) throw engineError('postgres');
    let readerRole: string | null = null;
    try {
      await pool.query('SELECT 1');
    } catch {
      await pool.end().catch(() => {});
      throw engineError('postgres');
    }
    if (role !== undefined) {
      // No silent CREATE ROLE or GRANT (issue 10 item 8): a requested query role must have been set up by an administrator.
      const member = await pool
        .query("SELECT pg_has_role(current_user, oid, 'MEMBER') AS member FROM pg_roles WHERE rolname = $1", [role])
        .then((r) => r.rows[0]?.member === true)
        .catch(() => false);
      if (!member) {
        await pool.end().catch(() => {});
        throw engineError('postgres');
      }
      readerRole = role;
    }
    const timeoutMs = options.statementTimeoutMs ?? 60_000;
    const pins = [`work_mem = ${workMemKb}`, 'hash_mem_multiplier = 2'];
    if (tempFileLimitKb !== undefined) pins.push(`temp_file_limit = ${tempFileLimitKb}`);
    const limitSettings = pins.map((p) => `SET LOCAL ${p}; `).join('');
    // temp_file_limit: settable by a superuser (or a role granted SET on it) only — checked now, before any charge;
    // not given, the administrator's value is read and named (resource-limits.ts, rule 3).
    let tempFiles: string;
    try {
      const r = await pool.query(`BEGIN; ${limitSettings}SELECT pg_catalog.current_setting('temp_file_limit') AS t; ROLLBACK`);
      const results = (Array.isArray(r) ? r : [r]) as { rows?: { t?: unknown }[] }[];
      tempFiles = String(results.find((x) => x.rows?.[0]?.t !== undefined)?.rows?.[0]?.t);
    } catch {
      await pool.query('ROLLBACK').catch(() => {});
      await pool.end().catch(() => {});
      throw new DpError(
        'INVALID_PARAMETER',
        'tempFileLimitKb: the connecting role cannot set temp_file_limit (a superuser setting; PostgreSQL ≥ 15: GRANT SET ON PARAMETER temp_file_limit to it), or workMemKb is outside what the server accepts; nothing was charged',
        { parameter: tempFileLimitKb === undefined ? 'workMemKb' : 'tempFileLimitKb' },
      );
    }
    const limits: EngineLimits = {
      statement_timeout: `${Math.max(1, Math.floor(timeoutMs))} ms`,
      work_mem: `${workMemKb} kB`,
      temp_file_limit:
        tempFileLimitKb === undefined ? `${tempFiles === '-1' ? 'none' : tempFiles} (the server's)` : `${tempFileLimitKb} kB`,
    };
    return new PostgresEngine(pool, timeoutMs, readerRole, limitSettings, limits);
  }

  /**
   * The columns of `tables` the query role may read, from PostgreSQL's catalog (no row is read): tables on
   * the search path on which the role (the reader role when set) holds SELECT.
   *
   * Read without the operator's SQL (`stored-only.ts`; reviews S29, S31, S31b, S35): a declared table must be a
   * plain or partitioned table or a populated materialized view, every partition and inheritance child below it
   * (recursively, `pg_inherits`) a plain or partitioned table, and none of them may have row-level security
   * enabled. A VIEW, a FOREIGN table (or partition, or child: file_fdw parses its file at read), an RLS policy (its
   * USING expression runs on every row) evaluate SQL tsdp did not compile and cannot make total — a
   * `CAST(age_text AS integer)` raises on one person's `'unknown'`, after the charge — and a materialized view that
   * was never populated cannot be read at all (public, `relispopulated`). Each is refused here, before any charge,
   * whatever its rows (relkind and these flags are catalog, public). The data owner materialises it (CREATE TABLE …
   * AS, or REFRESH MATERIALIZED VIEW: a refresh that fails fails outside tsdp).
   * Test: test/sql/postgres-stored-only.test.ts.
   * @throws DpError ENGINE_ERROR; INVALID_SCHEMA when a declared table is a view, a foreign table, has a part that
   *   is not a stored table, has row-level security, or is an unpopulated materialized view.
   */
  async catalog(tables: readonly string[]): Promise<ReadonlyMap<string, ReadonlyMap<string, string>>> {
    tables = edgeStringArray(tables, 'tables'); // S7 edge: read once, totally (numeric/edge.ts)
    const out = new Map<string, Map<string, string>>();
    if (tables.length === 0) return out;
    await this.checkDatabase();
    const rows = await this.inReadOnlyTransaction(
      `WITH RECURSIVE declared AS (
         SELECT c.oid FROM pg_catalog.pg_class c
         WHERE c.relname = ANY($1::text[]) AND pg_catalog.pg_table_is_visible(c.oid) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
           AND pg_catalog.has_table_privilege(c.oid, 'SELECT')),
       tree(root, rel, depth) AS (
         SELECT oid, oid, 0 FROM declared
         UNION ALL SELECT t.root, i.inhrelid, t.depth + 1 FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.rel),
       flags AS (
         SELECT t.root,
           bool_or(t.depth > 0 AND k.relkind NOT IN ('r', 'p')) AS odd_part,
           bool_or(k.relrowsecurity) AS rls,
           bool_or(k.relkind = 'm' AND NOT k.relispopulated) AS unpopulated
         FROM tree t JOIN pg_catalog.pg_class k ON k.oid = t.rel GROUP BY t.root)
       SELECT c.relname AS t, c.relkind::text AS k, f.odd_part, f.rls, f.unpopulated, a.attname AS c,
         format_type(a.atttypid, a.atttypmod) AS ty, NOT coalesce(co.collisdeterministic, true) AS nondet, co.collname AS coll,
         (typ.typtype <> 'b' OR typ.oid >= 16384 OR tn.nspname <> 'pg_catalog') AS usertype
       FROM declared d JOIN pg_catalog.pg_class c ON c.oid = d.oid JOIN flags f ON f.root = d.oid
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
         JOIN pg_catalog.pg_type typ ON typ.oid = a.atttypid JOIN pg_catalog.pg_namespace tn ON tn.oid = typ.typnamespace
         LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
       WHERE a.attnum > 0 AND NOT a.attisdropped`,
      [[...tables]],
    );
    const expected = 'a table, a partitioned table of tables or a populated materialized view, without row-level security';
    const remedy = 'store it as a table or a materialized view';
    for (const r of rows) {
      const t = String(r.t);
      if (r.k === 'v') throw storedOnlyError('PostgreSQL', t, { what: 'a view', remedy, expected });
      if (r.k === 'f') throw storedOnlyError('PostgreSQL', t, { what: 'a foreign table', remedy, expected });
      if (r.odd_part === true) {
        throw storedOnlyError('PostgreSQL', t, {
          what: 'a table with a partition or child that is not a stored table (a foreign table)',
          remedy,
          expected,
        });
      }
      if (r.rls === true) {
        throw storedOnlyError('PostgreSQL', t, {
          what: 'a table with row-level security enabled (on it or a partition)',
          remedy: 'grant the query role SELECT on a table holding only the rows it may read, without row-level security',
          expected,
        });
      }
      if (r.unpopulated === true) {
        throw storedOnlyError('PostgreSQL', t, {
          what: 'a materialized view that has not been populated',
          why: 'it cannot be read: every query would be charged, then fail',
          remedy: 'populate it (REFRESH MATERIALIZED VIEW)',
          expected,
        });
      }
      const m = out.get(t) ?? new Map<string, string>();
      // Review S41: a NONDETERMINISTIC collation (ICU, e.g. case-insensitive) makes '=' and GROUP BY treat different
      // spellings as one, and the engine returns one row's spelling as the key (ε = ∞ on the released key); LIKE and
      // regular expressions fail on it when a row exists. Its stored type is reported with the collation, which no
      // declared type allows: a declared column so collated is refused INVALID_SCHEMA before the charge (public:
      // catalog). Test: test/review/postgres-collation.test.ts, test/sql/postgres-collation.test.ts.
      const collated = r.nondet === true ? ` collate nondeterministic "${String(r.coll)}"` : '';
      // Review S41e (the same class through a TYPE): `bpchar` without a length keeps the trailing spaces it was given
      // but its '=' and GROUP BY ignore them, so 'a' and 'a  ' are one group whose released key is one row's spelling.
      // (`character(n)` pads every value to n: one stored spelling per group, kept.) Reported as a type no declared
      // type allows: refused INVALID_SCHEMA before the charge. Test: test/sql/postgres-bpchar.test.ts.
      // Review S41f/S41g: a DOMAIN, any type outside pg_catalog, or a type a superuser added to pg_catalog after initdb
      // (oid ≥ 16384, S39's line) prints under its own name — `public.string` over bpchar printed as `string`, a
      // declared text type — and brings its own equality. Rule: only initdb's own BASE types of pg_catalog are read;
      // anything else is reported as a type no declared type allows (refused before the charge). Tests:
      // test/sql/postgres-bpchar.test.ts, test/review/pg-bpchar-domain.test.ts, test/review/pg-catalog-type.test.ts.
      const type = String(r.ty).toLowerCase();
      const shown = r.usertype === true ? `domain or user type ${type}` : type === 'bpchar' ? 'bpchar without length' : type;
      m.set(String(r.c), `${shown}${collated}`);
      out.set(t, m);
    }
    return out;
  }

  /**
   * Public properties of the database that would make compiled statements fail, or run the operator's SQL, checked
   * at the catalog step before any charge:
   * - review S40 (class 11: a public cause of failure found only after the charge): the compiled SQL carries
   *   non-Latin characters (the blank-unit pattern of core/missing-unit.ts: U+1680, U+2000…, U+3000, U+FEFF) that a
   *   database whose server_encoding is not UTF8 cannot convert — every query over a text unit would be charged, then
   *   fail: a non-UTF8 database is refused;
   * - review S39 (class 3, stored-only.ts "Names"): a function or operator with a `pg_catalog` name in a schema of the
   *   search path (an exact argument-type match wins over the built-in: CVE-2018-1058), anything created after initdb
   *   inside `pg_catalog`, or a user-defined cast would replace a built-in the compiled SQL calls: refused. Trigger
   *   and other functions with other names are kept (the compiled SQL never names them);
   * - review S41h (class 1/2 on the released key): GROUP BY, DISTINCT and joins take a type's equality from its
   *   DEFAULT btree/hash operator class, not from its name — `varchar` borrows text's, so ordinary DDL could add a
   *   default class for varchar comparing lower(a) = lower(b), and the released key became one person's spelling. A
   *   default operator class created after initdb for a built-in type, or an entry added after initdb to a built-in
   *   operator family, is refused (the compiled SQL never names a class, so other user classes are kept).
   *   Test: test/review/pg-varchar-opclass.test.ts.
   * @throws DpError INVALID_SCHEMA as above; ENGINE_ERROR
   */
  private async checkDatabase(): Promise<void> {
    const rows = await this.inReadOnlyTransaction(
      `SELECT pg_catalog.current_setting('server_encoding') AS e, ARRAY(
         SELECT DISTINCT x.name FROM (
           SELECT p.proname::text AS name FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = ANY (pg_catalog.current_schemas(false)) AND n.nspname <> 'pg_catalog'
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_proc q WHERE q.proname = p.proname AND q.pronamespace = 'pg_catalog'::regnamespace)
           UNION ALL
           SELECT p.proname::text FROM pg_catalog.pg_proc p WHERE p.oid >= 16384 AND p.pronamespace = 'pg_catalog'::regnamespace
           UNION ALL
           SELECT 'operator ' || o.oprname FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
           WHERE n.nspname = ANY (pg_catalog.current_schemas(false)) AND n.nspname <> 'pg_catalog'
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_operator q WHERE q.oprname = o.oprname AND q.oprnamespace = 'pg_catalog'::regnamespace)
           UNION ALL
           SELECT 'operator ' || o.oprname FROM pg_catalog.pg_operator o WHERE o.oid >= 16384 AND o.oprnamespace = 'pg_catalog'::regnamespace
           UNION ALL
           SELECT 'cast ' || pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL)
           FROM pg_catalog.pg_cast c WHERE c.oid >= 16384
           UNION ALL
           SELECT 'default operator class ' || oc.opcname || ' for ' || pg_catalog.format_type(oc.opcintype, NULL)
           FROM pg_catalog.pg_opclass oc WHERE oc.oid >= 16384 AND oc.opcdefault AND oc.opcintype < 16384
           UNION ALL
           SELECT 'operator family entry of ' || f.opfname FROM pg_catalog.pg_amop a JOIN pg_catalog.pg_opfamily f ON f.oid = a.amopfamily
           WHERE a.oid >= 16384 AND a.amopfamily < 16384
           UNION ALL
           SELECT 'operator family support of ' || f.opfname FROM pg_catalog.pg_amproc a JOIN pg_catalog.pg_opfamily f ON f.oid = a.amprocfamily
           WHERE a.oid >= 16384 AND a.amprocfamily < 16384) x ORDER BY 1) AS shadows`,
      [],
    );
    const encoding = String(rows[0]?.e ?? '');
    if (encoding.toUpperCase() !== 'UTF8') {
      throw new DpError(
        'INVALID_SCHEMA',
        `PostgreSQL: the database's server_encoding is ${encoding === '' ? 'unknown' : encoding}; tsdp reads UTF8 databases only (its compiled SQL carries Unicode characters that other encodings cannot convert) — use a database created with ENCODING 'UTF8'; nothing was charged`,
        { expected: 'server_encoding UTF8' },
      );
    }
    const shadows = rows[0]?.shadows;
    if (Array.isArray(shadows) && shadows.length > 0) throw shadowedBuiltinsError('PostgreSQL', shadows.map(String));
  }

  /**
   * Review S45 (class 11: a public-cause failure charged): PostgreSQL checks a function's EXECUTE privilege (and a
   * schema's USAGE, a column's SELECT) when the executor starts, whatever the rows — a hardened database that revokes
   * EXECUTE on a built-in the compiled SQL calls (`hashtextextended`, the salted bounding order) made every grouped
   * query charged, then ENGINE_ERROR. Rule: before the charge, every compiled statement is planned with `EXPLAIN`
   * (executor start, no row read) in the same transaction setup as the query — the same role, limits and pinned
   * settings — so a privilege it lacks is refused then: INVALID_SCHEMA for SQLSTATE class 42 (insufficient
   * privilege, an undefined object), the engine error otherwise — both before anything is charged.
   * Test: test/review/postgres-function-privilege.test.ts, test/sql/postgres-preflight.test.ts.
   * @throws DpError INVALID_SCHEMA; ENGINE_ERROR
   */
  async preflight(statements: readonly CompiledStatement[]): Promise<void> {
    // A public method: its argument is read once, totally, at the edge (S7; numeric/edge.ts).
    const all = edgeRead('statements', () => {
      edgeArray(statements, 'statements');
      return Array.from(statements).map(readStatement);
    });
    for (const { text, values } of all) {
      await this.inReadOnlyTransaction(`EXPLAIN ${text}`, values, (code) =>
        code.startsWith('42')
          ? new DpError(
              'INVALID_SCHEMA',
              `PostgreSQL: the query role${this.readerRole ? ` "${this.readerRole}"` : ''} cannot run the compiled statement (SQLSTATE ${code}: a privilege it lacks — e.g. EXECUTE on a built-in function revoked from PUBLIC — or an object it cannot see); grant it, or use a role that has it; nothing was charged`,
              { expected: 'a query role that may execute the built-in functions and read the declared tables' },
            )
          : undefined,
      );
    }
  }

  /**
   * Runs a compiled statement read-only.
   * @throws DpError INVALID_PARAMETER when `statement` is not a compiled statement (S7 edge, below); ENGINE_ERROR
   */
  async query(statement: CompiledStatement): Promise<EngineRow[]> {
    const { text, values } = readStatement(statement);
    const rows = await this.inReadOnlyTransaction(text, values);
    return rows.map(normalizeRow);
  }

  /**
   * Runs a compiled statement as `query` does (the same transaction setup, role, limits and pinned settings), but
   * hands its rows to `onChunk` in chunks of `chunkRows` (public) through a server-side cursor — `DECLARE … NO SCROLL
   * CURSOR` inside the query's transaction, then `FETCH FORWARD chunkRows` until a short chunk — never all at once.
   *
   * Rule (class 11, "rows held in Node after the charge grow with the data"; `quantile-stream-sql.ts`): the rows in
   * Node at any time are at most one FETCH's `chunkRows` (public) plus the chunk being consumed; each chunk is
   * handed on before the next FETCH is sent. The server holds the sort (ORDER BY) under the pinned `work_mem` and
   * `temp_file_limit` as for `query` (resource-limits.ts).
   * Rule (one deadline): the whole stream is one deadline of `statementTimeoutMs` from BEGIN — each FETCH runs with
   * `statement_timeout` set to what is left of it (so no FETCH outlives it), and no FETCH is sent once it has passed.
   * Any failure — the server's (a deadline, a limit, a dropped connection), the consumer's — is the one engine error.
   * Test: test/sql/postgres-stream.test.ts.
   * @throws DpError INVALID_PARAMETER when `statement` is not a compiled statement (S7 edge); ENGINE_ERROR
   */
  async queryChunks(statement: CompiledStatement, chunkRows: number, onChunk: (rows: EngineRow[]) => void | Promise<void>): Promise<void> {
    const { text, values } = readStatement(statement);
    if (!(Number.isSafeInteger(chunkRows) && chunkRows >= 1 && chunkRows <= MAX_CHUNK_ROWS)) throw engineError('postgres', this.limits);
    await this.inTransaction((client, leftMs) => this.stream(client, text, values, chunkRows, onChunk, leftMs));
  }

  /**
   * Every statement of `work` on ONE snapshot (`SqlEngine.snapshot`; review stop 23 third, classes "an after-charge
   * failure whose occurrence depends on the data or on concurrent writes" and "an after-charge law change"): one
   * `REPEATABLE READ READ ONLY` transaction, set up as every other (the deadline, the pinned limits and settings, the
   * role), holds one connection; each statement of the reader runs in it with a deadline of `statementTimeoutMs` from
   * its own start (`SET LOCAL statement_timeout` before it; a stream's whole cursor read counted from its DECLARE).
   * A row written by anyone between two statements is not seen by the later one: the main statement, the
   * histograms and every streamed pass read the same rows (a read-only REPEATABLE READ transaction never fails to
   * serialise). A statement's failure is the one engine error; `work`'s own errors pass through unchanged.
   * Test: test/review/pg-stream-write-between-passes.test.ts, test/sql/quantile-stream-after-charge.test.ts.
   * @throws DpError INVALID_PARAMETER when `work` is not a function; ENGINE_ERROR, or what `work` throws.
   */
  async snapshot<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    edgeFunction(work, 'work');
    let own: { error: unknown } | undefined;
    try {
      return await this.inTransaction(
        async (client) => {
          // The transaction stays open while Node works between statements (the sampler between passes, the consumer
          // of each chunk): a server's or role's idle_in_transaction_session_timeout would end it after the charge at
          // a time that grows with the data. Off in this transaction; each statement keeps its own deadline.
          await client.query('SET LOCAL idle_in_transaction_session_timeout = 0');
          const timeout = Math.max(1, Math.floor(this.timeoutMs));
          const deadline = () => {
            const started = performance.now();
            return () => Math.floor(timeout - (performance.now() - started));
          };
          const reader: SnapshotReader = {
            query: async (statement) => {
              const { text, values } = readStatement(statement);
              try {
                await client.query(`SET LOCAL statement_timeout = ${timeout}`);
                const r = await client.query({ text, values });
                return (r.rows as Record<string, unknown>[]).map(normalizeRow);
              } catch {
                throw engineError('postgres', this.limits);
              }
            },
            queryChunks: async (statement, chunkRows, onChunk) => {
              const { text, values } = readStatement(statement);
              if (!(Number.isSafeInteger(chunkRows) && chunkRows >= 1 && chunkRows <= MAX_CHUNK_ROWS))
                throw engineError('postgres', this.limits);
              try {
                await this.stream(client, text, values, chunkRows, onChunk, deadline());
              } catch {
                throw engineError('postgres', this.limits);
              }
            },
            failure: () => engineError('postgres', this.limits),
          };
          try {
            return await work(reader);
          } catch (e) {
            own = { error: e };
            throw e;
          }
        },
        undefined,
        'REPEATABLE READ',
      );
    } catch (e) {
      throw own ? own.error : e;
    }
  }

  /**
   * The cursor read of `queryChunks` on a transaction's connection: `DECLARE … NO SCROLL CURSOR`, then `FETCH FORWARD
   * chunkRows` until a short chunk, then `CLOSE`; the DECLARE and each FETCH with `statement_timeout` set to what
   * `leftMs` says is left (none sent once it has passed; the CLOSE under the last FETCH's). @throws whatever fails (the caller makes it the one engine error)
   */
  private async stream(
    client: pg.PoolClient,
    text: string,
    values: unknown[],
    chunkRows: number,
    onChunk: (rows: EngineRow[]) => void | Promise<void>,
    leftMs: () => number,
  ): Promise<void> {
    // The DECLARE runs under this stream's own deadline, never under what a previous statement's last FETCH left of
    // ITS deadline (review stop 24: each statement's deadline counted from its own start).
    const declareLeft = leftMs();
    if (declareLeft < 1) throw engineError('postgres', this.limits);
    await client.query(`SET LOCAL statement_timeout = ${declareLeft}`);
    await client.query({ text: `DECLARE tsdp_stream NO SCROLL CURSOR FOR ${text}`, values });
    for (;;) {
      const left = leftMs();
      if (left < 1) throw engineError('postgres', this.limits);
      // Simple protocol, two statements: the results of both (the SET's carries no rows).
      const r = (await client.query(`SET LOCAL statement_timeout = ${left}; FETCH FORWARD ${chunkRows} FROM tsdp_stream`)) as unknown;
      const fetched = ((Array.isArray(r) ? r[r.length - 1] : r) as { rows: Record<string, unknown>[] }).rows;
      if (fetched.length > 0) await onChunk(fetched.map(normalizeRow));
      if (fetched.length < chunkRows) break;
    }
    await client.query('CLOSE tsdp_stream');
  }

  /**
   * One statement in a READ ONLY transaction with the statement timeout, as the reader role, under pinned session
   * settings (review S36): every setting that changes the values a compiled statement returns or how they are
   * printed and parsed is set in the transaction ({@link PINNED_SETTINGS}), whatever the server, database, role or
   * URL (`options=-c …`) set — `extra_float_digits = -15` printed two DOUBLE keys alike, one person's value then
   * made two engine groups one key (INTERNAL after the charge); `standard_conforming_strings = off` made every
   * compiled LIKE's ESCAPE literal fail after the charge. The checked-out client carries an 'error' listener until
   * it is released (review S37: a connection ended between two statements otherwise emitted an unhandled 'error'
   * and ended the process). @throws DpError ENGINE_ERROR
   */
  private async inReadOnlyTransaction(
    text: string,
    values: unknown[],
    publicCause: (sqlstate: string) => DpError | undefined = () => undefined,
  ): Promise<Record<string, unknown>[]> {
    return this.inTransaction(async (client) => (await client.query({ text, values })).rows as Record<string, unknown>[], publicCause);
  }

  /**
   * `work` inside a READ ONLY transaction set up as `inReadOnlyTransaction` describes (one round trip: BEGIN, the
   * deadline, the limits, the pinned settings, the role), committed after it; `leftMs` is what is left of the
   * statement deadline, counted from BEGIN. @throws DpError ENGINE_ERROR (or `publicCause`'s for a SQLSTATE)
   */
  private async inTransaction<T>(
    work: (client: pg.PoolClient, leftMs: () => number) => Promise<T>,
    publicCause: (sqlstate: string) => DpError | undefined = () => undefined,
    isolation: 'READ COMMITTED' | 'REPEATABLE READ' = 'READ COMMITTED',
  ): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch {
      throw engineError('postgres', this.limits);
    }
    const onError = () => {}; // the failing statement rejects; the pool discards the client (release(true) below)
    client.on('error', onError);
    let broken = false;
    try {
      // One round trip: BEGIN, the deadline, the resource limits (resource-limits.ts), the pinned settings, the role.
      const role = this.readerRole ? `; SET LOCAL ROLE ${this.readerRole}` : '';
      const timeout = Math.max(1, Math.floor(this.timeoutMs));
      const started = performance.now();
      await client.query(
        `BEGIN TRANSACTION ISOLATION LEVEL ${isolation} READ ONLY; SET LOCAL statement_timeout = ${timeout}; ${this.limitSettings}${PINNED_SETTINGS}${role}`,
      );
      const result = await work(client, () => Math.floor(timeout - (performance.now() - started)));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      broken = true;
      await client.query('ROLLBACK').catch(() => {});
      // Only a caller that runs no data (the preflight's EXPLAIN) reads the SQLSTATE — a code, never the message.
      const code = (e as { code?: unknown } | null)?.code;
      throw (typeof code === 'string' ? publicCause(code) : undefined) ?? engineError('postgres', this.limits);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** Closes the pool; idempotent (a second call returns at once; `pg` rejects a second `end`). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
