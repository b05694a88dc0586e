/**
 * Review stop 23 third (acct 7d5d6b2..a30a5ba, PostgreSQL streamed quantiles): each pass of a streamed quantile is
 * its own READ COMMITTED transaction (`PostgresEngine.queryChunks`). An ordinary write to the table between pass 1
 * (the normaliser) and pass 2 — by anyone, at any time after the charge — makes pass 2 miss pass 1's normaliser,
 * and the query fails after the charge (the budget spent, no answer). (A write between pass 0 and pass 1 is not
 * detected at all: n and the interval ends from one snapshot, the normaliser and the draw from another.)
 * Classes: (1) "after-charge failure whose occurrence depends on the data / concurrent writes" (passes not one
 * snapshot); (2) "an after-charge error whose code depends on the data" (INTERNAL when the written group is the last
 * with rows, ENGINE_ERROR otherwise). Fix direction: all passes (and the main statement) on one REPEATABLE READ
 * snapshot (one transaction, or pg_export_snapshot + SET TRANSACTION SNAPSHOT per pass); every pass error mapped to
 * the one engine error. Needs TSDP_TEST_POSTGRES_URL and a PostgresEngine with `queryChunks` (skipped otherwise:
 * main before acct's 7d5d6b2). The writer is a real second connection; the engine is the real one.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import type { EngineRow, SnapshotReader, SqlEngine } from '../../src/sql/engine.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const PG_URL = process.env.TSDP_TEST_POSTGRES_URL;
let engine: PostgresEngine | undefined;
let admin: pg.Client | undefined;
let table = 0;

beforeAll(async () => {
  if (!PG_URL) return;
  admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  engine = await PostgresEngine.open({ connectionString: PG_URL });
});
afterAll(async () => {
  await engine?.close();
  await admin?.end();
});

/**
 * The real engine, with a real second connection writing one row after the second streamed pass (pass 1, the
 * normaliser) ends. (acct, stop 24: `runDpSql` now runs every statement after the charge through the engine's
 * `snapshot` reader — the fix — so the wrapper forwards `snapshot`, hooking the write onto the reader's streamed
 * passes; `written` counts the writes, so a test in which no write happened fails.)
 */
function writingAfterPass1(inner: PostgresEngine, write: () => Promise<unknown>, written: { n: number }): SqlEngine {
  let passes = 0;
  const hooked = async (
    chunks: SnapshotReader['queryChunks'] | SqlEngine['queryChunks'],
    s: CompiledStatement,
    n: number,
    onChunk: (rows: EngineRow[]) => void | Promise<void>,
  ) => {
    // Typed through SqlEngine: main's PostgresEngine has no queryChunks before acct's 7d5d6b2 (the tests skip there).
    if (!chunks) throw new Error('no queryChunks');
    await chunks(s, n, onChunk);
    if (passes++ === 1) {
      await write();
      written.n++;
    }
  };
  return {
    dialect: inner.dialect,
    catalog: (t) => inner.catalog(t),
    preflight: (s) => inner.preflight(s),
    query: (s) => inner.query(s),
    close: async () => {},
    queryChunks: (s, n, onChunk) => hooked((inner as SqlEngine).queryChunks?.bind(inner), s, n, onChunk),
    snapshot: (work) =>
      inner.snapshot((reader) =>
        work({ ...reader, queryChunks: (s, n, onChunk) => hooked(reader.queryChunks?.bind(reader), s, n, onChunk) }),
      ),
  };
}

const hasChunks = typeof (PostgresEngine.prototype as { queryChunks?: unknown }).queryChunks === 'function';

describe('review: a table written between the passes of a PostgreSQL streamed quantile (after the charge)', () => {
  it.skipIf(!PG_URL || !hasChunks)(
    'is answered (one snapshot for every pass), not an error after the charge (generative, seed 2323)',
    async () => {
      const inner = engine as PostgresEngine;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 5, maxLength: 40 }),
          fc.integer({ min: 0, max: 1000 }),
          async (xs, added) => {
            const written = { n: 0 };
            const name = `review_pgw_${table++}`;
            const run = (sql: string) => (admin as pg.Client).query(sql);
            await run(`DROP TABLE IF EXISTS "${name}"`);
            await run(`CREATE TABLE "${name}" (pid bigint, x bigint)`);
            await run(`INSERT INTO "${name}" VALUES ${xs.map((x, i) => `(${i + 1}, ${x})`).join(', ')}`);
            const schema = parseSqlSchema({
              dataset: 'review_pgw',
              budget: { epsilon: 1e6 },
              tables: {
                [name]: {
                  privacyUnit: 'pid',
                  maxPartitions: 1,
                  maxContributionsPerPartition: 1,
                  columns: { pid: { type: 'integer' }, x: { type: 'integer', lower: 0, upper: 1000 } },
                },
              },
            });
            const ledger = new MemoryLedger();
            const outcome = await runDpSql({
              sql: `SELECT MEDIAN(x) AS m FROM "${name}"`,
              schema,
              engine: writingAfterPass1(inner, () => run(`INSERT INTO "${name}" VALUES (${xs.length + 1}, ${added})`), written),
              ledger,
              epsilon: 1,
              rng: new SeededRandomSource(7),
            }).then(
              (r) => ({ answered: r.rows.length === 1 }),
              (e: unknown) => ({ answered: false, code: (e as { code?: string }).code }),
            );
            expect(outcome).toEqual({ answered: true });
            expect(written.n).toBe(1);
          },
        ),
        { seed: 2323, numRuns: 5 },
      );
    },
    120_000,
  );

  // Class: "an after-charge error whose code depends on the data". pass 2's check of a group's normaliser runs when
  // its walk closes: inside the engine's onChunk when a later group has rows (→ the one ENGINE_ERROR), after the
  // stream when none has (→ INTERNAL, escaping the engine). So with group "a" written between passes 1 and 2, the
  // code says whether the later declared group "b" has any row (private). Fix direction: map every error of a pass
  // (the stream's end included) to the one engine error, or close the passes on one snapshot (above).
  it.skipIf(!PG_URL || !hasChunks)(
    'the error code after the charge does not depend on whether a later group has rows',
    async () => {
      const inner = engine as PostgresEngine;
      const codes: (string | undefined)[] = [];
      const written = { n: 0 };
      for (const bRows of [0, 3]) {
        const name = `review_pgw_${table++}`;
        const run = (sql: string) => (admin as pg.Client).query(sql);
        await run(`DROP TABLE IF EXISTS "${name}"`);
        await run(`CREATE TABLE "${name}" (pid bigint, g text, x bigint)`);
        const rows = [1, 2, 3, 4, 5].map((i) => `(${i}, 'a', ${i * 100})`);
        for (let i = 0; i < bRows; i++) rows.push(`(${10 + i}, 'b', ${i * 50})`);
        await run(`INSERT INTO "${name}" VALUES ${rows.join(', ')}`);
        const schema = parseSqlSchema({
          dataset: 'review_pgw',
          budget: { epsilon: 1e6 },
          tables: {
            [name]: {
              privacyUnit: 'pid',
              maxPartitions: 1,
              maxContributionsPerPartition: 1,
              columns: {
                pid: { type: 'integer' },
                g: { type: 'string', categories: ['a', 'b'] },
                x: { type: 'integer', lower: 0, upper: 1000 },
              },
            },
          },
        });
        const code = await runDpSql({
          sql: `SELECT g, MEDIAN(x) AS m FROM "${name}" GROUP BY g`,
          schema,
          engine: writingAfterPass1(inner, () => run(`INSERT INTO "${name}" VALUES (99, 'a', 777)`), written),
          ledger: new MemoryLedger(),
          epsilon: 1,
          rng: new SeededRandomSource(11),
        }).then(
          () => 'answered',
          (e: unknown) => (e as { code?: string }).code,
        );
        codes.push(code);
      }
      expect(codes[0]).toBe(codes[1]);
      expect(written.n).toBe(2);
    },
    120_000,
  );
});
