/**
 * DuckDB's `snapshot` (review stop 23 third, classes "an after-charge law change" and "an after-charge failure whose
 * occurrence depends on the data or on concurrent writes"; the rule: `DuckDbEngine.snapshot`): every statement of one
 * query reads the versions of the declared files pinned at its first statement. A declared CSV or Parquet file
 * rewritten between two statements of a streamed MEDIAN (after the main statement, after pass 0, after pass 1) makes
 * the query the one engine error, charged once — never an answer from two versions — whatever the rows before and
 * after; untouched, the same query is answered (generative, seed 2403). No statistics: no failure probability.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';
import { afterEachStatement, snapshotSchema, wrapSnapshot } from './snapshot-wrap.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-duck-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let k = 0;

const schema = snapshotSchema('duck_snapshot');

type Row = { readonly g: 'a' | 'b'; readonly x: number };

/** Writes `rows` as the file at `path` (CSV by Node; Parquet by a DuckDB of its own, over a temporary then renamed). */
async function write(path: string, rows: readonly Row[]): Promise<void> {
  if (path.endsWith('.csv')) {
    writeFileSync(path, `pid,g,x\n${rows.map((r, i) => `${i + 1},${r.g},${r.x}`).join('\n')}\n`);
    return;
  }
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const values = rows.map((r, i) => `(${i + 1}::BIGINT, '${r.g}', ${r.x}::BIGINT)`).join(', ');
  await c.run(`COPY (SELECT * FROM (VALUES ${values}) t(pid, g, x)) TO '${path}' (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
}

/**
 * The engine, its snapshot reader rewriting the file after statement `after` (0: the main one; 1, 2, 3: passes 0, 1,
 * 2 — after the last, the check once `work` returns finds it).
 */
function rewriting(
  inner: DuckDbEngine,
  after: number | undefined,
  rewrite: () => Promise<void>,
  done: { n: number; failure?: string },
): SqlEngine {
  return wrapSnapshot(inner, (reader) => {
    done.failure = reader.failure().message;
    return afterEachStatement(reader, async (i) => {
      if (i !== after) return;
      await rewrite();
      done.n++;
    });
  });
}

const rowsArb = fc.array(fc.record({ g: fc.constantFrom('a' as const, 'b' as const), x: fc.integer({ min: 0, max: 1000 }) }), {
  minLength: 1,
  maxLength: 30,
});

describe('DuckDB snapshot: every statement of a query reads one version of the declared files', () => {
  it('a file rewritten between statements is the engine error (charged once), untouched answered (generative, seed 2403)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('csv', 'parquet'),
        fc.constantFrom(0, 1, 2, 3, undefined),
        rowsArb,
        rowsArb,
        async (format, after, before, later) => {
          const path = join(dir, `t${k++}.${format}`);
          await write(path, before);
          const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', g: 'string', x: 'integer' } } });
          const done: { n: number; failure?: string } = { n: 0 };
          const ledger = new MemoryLedger();
          try {
            const outcome = await runDpSql({
              sql: 'SELECT g, MEDIAN(x) AS m FROM t GROUP BY g',
              schema,
              engine: rewriting(engine, after, () => write(path, later), done),
              ledger,
              epsilon: 1,
              rng: new SeededRandomSource(k),
            }).then(
              (r) => ({ answered: r.rows.length }),
              (e: unknown) => ({ code: (e as { code?: string }).code, message: (e as Error).message }),
            );
            expect(ledger.charges.length).toBe(1);
            expect(done.n).toBe(after === undefined ? 0 : 1);
            if (after === undefined) expect(outcome).toEqual({ answered: 2 });
            else expect(outcome).toEqual({ code: 'ENGINE_ERROR', message: done.failure });
          } finally {
            await engine.close();
          }
        },
      ),
      { seed: 2403, numRuns: 24 },
    );
  }, 300_000);

  it('a database file overwritten in place between statements or after the last is the engine error (generative, seed 2424)', async () => {
    /** A DuckDB database file holding `rows` as table t, written at `path`. */
    const database = async (path: string, rows: readonly Row[]): Promise<void> => {
      const db = await DuckDBInstance.create(path);
      const c = await db.connect();
      const values = rows.map((r, i) => `(${i + 1}::BIGINT, '${r.g}', ${r.x}::BIGINT)`).join(', ');
      await c.run(`CREATE TABLE t AS SELECT * FROM (VALUES ${values}) v(pid, g, x)`);
      await c.run('CHECKPOINT');
      c.closeSync();
      db.closeSync();
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 2, 3, undefined), rowsArb, rowsArb, async (after, before, later) => {
        const path = join(dir, `d${k++}.duckdb`);
        const other = join(dir, `d${k++}.duckdb`);
        await database(path, before);
        await database(other, later);
        const engine = await DuckDbEngine.open({ database: path });
        const done: { n: number; failure?: string } = { n: 0 };
        const ledger = new MemoryLedger();
        try {
          const outcome = await runDpSql({
            sql: 'SELECT g, MEDIAN(x) AS m FROM t GROUP BY g',
            schema,
            // An in-place copy (same inode): DuckDB's advisory lock does not keep it out.
            engine: rewriting(engine, after, async () => copyFileSync(other, path), done),
            ledger,
            epsilon: 1,
            rng: new SeededRandomSource(k),
          }).then(
            (r) => ({ answered: r.rows.length }),
            (e: unknown) => ({ code: (e as { code?: string }).code, message: (e as Error).message }),
          );
          expect(ledger.charges.length).toBe(1);
          expect(done.n).toBe(after === undefined ? 0 : 1);
          if (after === undefined) expect(outcome).toEqual({ answered: 2 });
          else expect(outcome).toEqual({ code: 'ENGINE_ERROR', message: done.failure });
        } finally {
          await engine.close();
        }
      }),
      { seed: 2424, numRuns: 10 },
    );
  }, 300_000);
});
