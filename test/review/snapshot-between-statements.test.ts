/**
 * review, stop 24 (acct's fix of my stop-23-third findings: `SqlEngine.snapshot`, every statement of a DP SQL query
 * after the charge through one reader). Class: "an after-charge failure, or a change of law, whose occurrence depends
 * on the data or on concurrent writes" — the statements of one query (the main one, each pass of a streamed quantile)
 * must read one version of the data. The hook below is the real engine's own `snapshot`, its reader wrapped only to
 * run a write by a real second client at a chosen point: after statement k, or inside the first chunk of a streamed
 * pass (the cursor open: "a write during pass 0 itself").
 *
 * PostgreSQL (REPEATABLE READ READ ONLY): whatever is written — INSERT, UPDATE, DELETE, or DDL (TRUNCATE, DROP TABLE,
 * ALTER … ADD COLUMN / TYPE / RENAME, issued without waiting: they queue behind the query's lock) — the answer equals
 * the answer of the same query and seed on the unwritten table, value for value (generative, seed 2440).
 * DuckDB (the declared files' versions pinned): a declared CSV rewritten at any point — also at the same size with
 * its modification time put back — gives either the unwritten answer or the one ENGINE_ERROR, never another answer
 * or another code (generative, seed 2441).
 * Both need the engine's `snapshot` (skipped on main before acct's fix), PostgreSQL needs TSDP_TEST_POSTGRES_URL.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import type { EngineRow, SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

/** `SnapshotReader` as acct's fix declares it (local: main has no such type yet). */
interface Reader {
  query(s: CompiledStatement): Promise<EngineRow[]>;
  queryChunks?(s: CompiledStatement, n: number, on: (rows: EngineRow[]) => void | Promise<void>): Promise<void>;
  failure(): Error;
}
type Snapshot = <T>(work: (r: Reader) => Promise<T>) => Promise<T>;
const snapshotOf = (e: SqlEngine): Snapshot | undefined => (e as unknown as { snapshot?: Snapshot }).snapshot?.bind(e);

/** Where the write runs: after statement `k` (0 = the main statement) ends, or inside the first chunk of statement `k`. */
interface Point {
  readonly k: number;
  readonly inChunk: boolean;
}

/** The engine, its `snapshot` the real one with a reader that runs `write` once at `at`; `fired` says whether it ran. */
function hooked(
  inner: SqlEngine,
  at: Point,
  write: () => Promise<void>,
): { engine: SqlEngine; fired: () => boolean; statements: () => number } {
  let statements = 0;
  const snapshot = snapshotOf(inner) as Snapshot;
  let fired = false;
  const fire = async () => {
    if (fired) return;
    fired = true;
    await write();
  };
  const engine: SqlEngine = {
    dialect: inner.dialect,
    catalog: (t) => inner.catalog(t),
    preflight: (s) => inner.preflight?.(s) ?? Promise.resolve(),
    query: (s) => inner.query(s),
    queryChunks: (s, n, on) => (inner.queryChunks as NonNullable<SqlEngine['queryChunks']>).call(inner, s, n, on),
    close: async () => {},
  };
  Object.assign(engine, {
    snapshot: <T>(work: (r: Reader) => Promise<T>) =>
      snapshot((reader) => {
        let next = 0;
        const count = () => {
          statements = next;
        };
        const wrapped: Reader = {
          failure: () => reader.failure(),
          query: async (s) => {
            const k = next++;
            const rows = await reader.query(s);
            count();
            if (k === at.k && !at.inChunk) await fire();
            return rows;
          },
          queryChunks: async (s, n, on) => {
            const k = next++;
            let first = true;
            await (reader.queryChunks as NonNullable<Reader['queryChunks']>).call(reader, s, n, async (rows) => {
              await on(rows);
              if (first && k === at.k && at.inChunk) await fire();
              first = false;
            });
            count();
            if (k === at.k && !at.inChunk) await fire();
          },
        };
        return work(wrapped);
      }),
  });
  return { engine, fired: () => fired, statements: () => statements };
}

/** What a run released (values and intervals), or the code and message of its error. */
async function outcome(run: Promise<{ rows: readonly unknown[] }>): Promise<unknown> {
  return run.then(
    (r) => ({ rows: JSON.parse(JSON.stringify(r.rows, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))) }),
    (e: unknown) => ({ code: (e as { code?: string }).code, message: (e as Error).message }),
  );
}

/** One private table: pid the unit, g in {a, b} (when `grouped`), x an integer in [0, 1000]; and its median query. */
function medianQuery(table: string, grouped: boolean): { schema: ReturnType<typeof parseSqlSchema>; sql: string } {
  const schema = parseSqlSchema({
    dataset: 'review_snap',
    budget: { epsilon: 1e6 },
    tables: {
      [table]: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: {
          pid: { type: 'integer' },
          ...(grouped ? { g: { type: 'string', categories: ['a', 'b'] } } : {}),
          x: { type: 'integer', lower: 0, upper: 1000 },
        },
      },
    },
  });
  const sql = grouped ? `SELECT g, MEDIAN(x) AS m, COUNT(*) AS c FROM "${table}" GROUP BY g` : `SELECT MEDIAN(x) AS m FROM "${table}"`;
  return { schema, sql };
}

const points = fc.oneof(
  fc.record({ k: fc.integer({ min: 0, max: 3 }), inChunk: fc.constant(false) }),
  fc.record({ k: fc.integer({ min: 1, max: 3 }), inChunk: fc.constant(true) }),
);

const PG_URL = process.env.TSDP_TEST_POSTGRES_URL;
const pgHasSnapshot = typeof (PostgresEngine.prototype as { snapshot?: unknown }).snapshot === 'function';
const duckHasSnapshot = typeof (DuckDbEngine.prototype as { snapshot?: unknown }).snapshot === 'function';
let pgEngine: PostgresEngine | undefined;
let admin: pg.Pool | undefined;
let table = 0;

describe('review stop 24: PostgreSQL — writes and DDL between or during the statements of one query', () => {
  beforeAll(async () => {
    if (!PG_URL) return;
    admin = new pg.Pool({ connectionString: PG_URL, max: 4 });
    pgEngine = await PostgresEngine.open({ connectionString: PG_URL });
  });
  afterAll(async () => {
    await pgEngine?.close();
    await admin?.end();
  });

  it.skipIf(!PG_URL || !pgHasSnapshot)(
    'answers as on the unwritten table, value for value (generative, seed 2440)',
    async () => {
      const inner = pgEngine as PostgresEngine;
      const pool = admin as pg.Pool;
      const writes = ['insert', 'insertMany', 'update', 'delete', 'truncate', 'drop', 'addColumn', 'alterType', 'rename'] as const;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 5, maxLength: 60 }),
          fc.constantFrom(...writes),
          points,
          fc.boolean(),
          async (xs, kind, at, grouped) => {
            const name = `review_snap_${process.pid}_${table++}`;
            await pool.query(`DROP TABLE IF EXISTS "${name}"`);
            await pool.query(`CREATE TABLE "${name}" (pid bigint, g text, x bigint)`);
            await pool.query(
              `INSERT INTO "${name}" VALUES ${xs.map((x, i) => `(${i + 1}, '${i % 3 === 0 ? 'b' : 'a'}', ${x})`).join(', ')}`,
            );
            const { schema, sql } = medianQuery(name, grouped);
            const query = (engine: SqlEngine) =>
              outcome(runDpSql({ sql, schema, engine, ledger: new MemoryLedger(), epsilon: 1, rng: new SeededRandomSource(24) }));
            const want = await query(inner);
            expect(want).toHaveProperty('rows');
            const ddl: Record<string, string> = {
              truncate: `TRUNCATE "${name}"`,
              drop: `DROP TABLE "${name}"`,
              addColumn: `ALTER TABLE "${name}" ADD COLUMN y bigint DEFAULT 7`,
              alterType: `ALTER TABLE "${name}" ALTER COLUMN x TYPE double precision USING x + 0.5`,
              rename: `ALTER TABLE "${name}" RENAME COLUMN x TO z`,
            };
            let pending: Promise<unknown> = Promise.resolve();
            const write = async () => {
              if (kind === 'insert') await pool.query(`INSERT INTO "${name}" VALUES (100001, 'a', 999)`);
              else if (kind === 'insertMany')
                await pool.query(`INSERT INTO "${name}" SELECT 200000 + i, 'a', (i * 37) % 1001 FROM generate_series(1, 300) i`);
              else if (kind === 'update') await pool.query(`UPDATE "${name}" SET x = 1000 - x`);
              else if (kind === 'delete') await pool.query(`DELETE FROM "${name}" WHERE pid % 2 = 0`);
              // DDL waits for the query's lock: issued, not awaited here (awaited after the query).
              else pending = pool.query(ddl[kind] as string).catch((e: unknown) => e);
            };
            const { engine, fired } = hooked(inner, at, write);
            const got = await query(engine);
            await pending;
            expect(fired() || at.k > 2).toBe(true);
            expect(got).toEqual(want);
          },
        ),
        { seed: 2440, numRuns: 40 },
      );
    },
    300_000,
  );
});

describe('review stop 24: PostgreSQL — the one snapshot transaction idles while the release computes', () => {
  // Class: "an after-charge failure whose occurrence depends on the data or on timing". The snapshot transaction now
  // spans the main statement, the JavaScript work between statements (the groups' releases, each pass's consumer
  // between FETCHes: time that grows with the rows and groups) and the passes. A server, database, role or URL
  // `idle_in_transaction_session_timeout` (common in production) ends the session in those gaps: ENGINE_ERROR after
  // the charge, or an answer, by how long the JavaScript took. The engine pins what its statements need
  // (PINNED_SETTINGS, SET LOCAL statement_timeout per statement) but not this at 1290b6d (it.fails there); acct
  // 299df13 sets it to 0 in the snapshot's transaction, and this passes (transaction_timeout, PostgreSQL ≥ 17, is not
  // covered: PG 15 here). The gap is a 300 ms wait after the main statement (a slow release or a loaded host).
  it.skipIf(!PG_URL || !pgHasSnapshot)(
    'answers although the URL sets idle_in_transaction_session_timeout = 100 ms',
    async () => {
      const url = new URL(PG_URL as string);
      url.searchParams.set('options', '-c idle_in_transaction_session_timeout=100');
      const engine = await PostgresEngine.open({ connectionString: url.toString() });
      const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
      try {
        const name = `review_idle_${process.pid}`;
        await pool.query(`DROP TABLE IF EXISTS "${name}"`);
        await pool.query(`CREATE TABLE "${name}" (pid bigint, x bigint)`);
        await pool.query(`INSERT INTO "${name}" SELECT i, (i * 37) % 1001 FROM generate_series(1, 50) i`);
        const { schema, sql } = medianQuery(name, false);
        const query = (e: SqlEngine) =>
          outcome(runDpSql({ sql, schema, engine: e, ledger: new MemoryLedger(), epsilon: 1, rng: new SeededRandomSource(24) }));
        const want = await query(engine);
        expect(want).toHaveProperty('rows');
        const { engine: slow } = hooked(engine, { k: 0, inChunk: false }, () => new Promise((r) => setTimeout(r, 300)));
        expect(await query(slow)).toEqual(want);
      } finally {
        await engine.close();
        await pool.end();
      }
    },
    60_000,
  );
});

describe('review stop 24: DuckDB — a declared CSV rewritten between or during the statements of one query', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'review-snap-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!duckHasSnapshot)(
    'answers as on the unwritten file, or fails with the one ENGINE_ERROR (generative, seed 2441)',
    async () => {
      const rewrites = ['append', 'sameSize', 'sameSizeOldMtime', 'shorter'] as const;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 100, max: 999 }), { minLength: 5, maxLength: 60 }),
          fc.constantFrom(...rewrites),
          points,
          fc.boolean(),
          async (xs, kind, at, grouped) => {
            const path = join(dir, `t${table++}.csv`);
            const text = `pid,g,x\n${xs.map((x, i) => `${i + 1},${i % 3 === 0 ? 'b' : 'a'},${x}`).join('\n')}\n`;
            writeFileSync(path, text);
            const { schema, sql } = medianQuery('t', grouped);
            const query = async (wrap: (e: DuckDbEngine) => SqlEngine) => {
              const duck = await DuckDbEngine.open({ files: { t: path } });
              try {
                const failure = await (snapshotOf(duck) as Snapshot)(async (r) => r.failure().message);
                const got = await outcome(
                  runDpSql({ sql, schema, engine: wrap(duck), ledger: new MemoryLedger(), epsilon: 1, rng: new SeededRandomSource(24) }),
                );
                return { got, failure };
              } finally {
                await duck.close();
              }
            };
            const { got: want } = await query((e) => e);
            expect(want).toHaveProperty('rows');
            const write = async () => {
              const before = statSync(path);
              if (kind === 'append') writeFileSync(path, `${text}9999,a,1\n`);
              else if (kind === 'shorter') writeFileSync(path, text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1));
              else {
                // the same bytes count, every x changed (3 digits each), then (sameSizeOldMtime) the old times put back
                writeFileSync(
                  path,
                  text.replace(/,(\d{3})$/gm, (_m, d: string) => `,${String(1099 - Number(d)).padStart(3, '0')}`),
                );
                if (kind === 'sameSizeOldMtime') utimesSync(path, before.atime, before.mtime);
                expect(readFileSync(path).length).toBe(before.size);
              }
            };
            let fired = () => false;
            const { got, failure } = await query((duck) => {
              const h = hooked(duck, at, write);
              fired = h.fired;
              return h.engine;
            });
            expect(fired() || at.k > 2).toBe(true);
            if (!(typeof got === 'object' && got !== null && 'code' in got)) expect(got).toEqual(want);
            else expect(got).toEqual({ code: 'ENGINE_ERROR', message: failure });
          },
        ),
        { seed: 2441, numRuns: 20 },
      );
    },
    300_000,
  );
});
