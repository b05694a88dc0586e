/**
 * Review stop 23 (acct 7b0eb41, the merge: `queryChunks` decides each undecided CSV reader by the counted scan,
 * `CsvReaderDecider.decideEachByCount` → `everyLineTyped`; class 14: the typed answer released where the text reader
 * should answer, and class 3: a refusal after the charge). In `runDpSql` the main statement (`query`) decides the
 * reader first; the streamed passes decide it only when the version changed after (a rebuild leaves it undecided).
 * Guard: a declared CSV with bad fields anywhere (an integer column holding 'x', '1.5', '', a quoted text) answers a
 * streamed grouped MEDIAN the same — value, interval, charge — whether or not the file is touched (same bytes, new
 * mtime: the view rebuilt, the reader undecided) just before the first streamed pass (generative, seed 2325).
 * Skipped where `DuckDbEngine` has no `queryChunks` (main before acct's merge).
 * acct, stop 24: since every statement of a query reads one pinned version of the files (`DuckDbEngine.snapshot`,
 * review stop 23 third), the touched run is the one engine error, charged once — see the expectation below.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import type { EngineRow } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { oracleAndFolder } from '../sql/csv-reader-state.js';
import { MemoryLedger } from '../sql/fixtures.js';

type Chunks = (s: CompiledStatement, rows: number, on: (r: EngineRow[]) => void | Promise<void>) => Promise<void>;
type Chunked = { queryChunks?: Chunks };
const hasChunks = typeof (DuckDbEngine.prototype as unknown as Chunked).queryChunks === 'function';

const { dir } = oracleAndFolder('review-redecided-');
const BAD = ['x', '1.5', '', '"7"', ' 3', '1e3'] as const;
const schema = parseSqlSchema({
  dataset: 'rv_redecided',
  budget: { epsilon: 100 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: {
        pid: { type: 'integer' },
        g: { type: 'string', categories: ['a', 'b', 'c'] },
        x: { type: 'integer', lower: 0, upper: 1000 },
      },
    },
  },
});
let file = 0;

/** The streamed release of the CSV at `path`; with `touch`, the file's times moved before the first streamed pass. */
async function release(path: string, touch: boolean, seed: number) {
  const engine = await DuckDbEngine.open({
    files: { t: path },
    columnTypes: { t: { pid: 'integer', g: 'string', x: 'integer' } },
    threads: 1,
  });
  // acct, stop 24: `runDpSql` now runs every statement after the charge through the engine's `snapshot` reader
  // (review stop 23 third), so the touch is hooked onto that reader's first streamed pass; a file whose version moved
  // within one query is the one engine error (`DuckDbEngine.snapshot`: never an answer from two versions).
  const own = engine.snapshot.bind(engine);
  let touched = !touch;
  (engine as { snapshot: typeof own }).snapshot = (work) =>
    own((reader) =>
      work({
        ...reader,
        queryChunks: (s, rows, on) => {
          if (!touched) {
            touched = true;
            const later = new Date(Date.now() + 5_000);
            utimesSync(path, later, later);
          }
          return reader.queryChunks?.(s, rows, on) as Promise<void>;
        },
      }),
    );
  const ledger = new MemoryLedger();
  try {
    const r = await runDpSql({
      sql: 'SELECT g, MEDIAN(x) AS m FROM t GROUP BY g',
      schema,
      engine,
      ledger,
      epsilon: 1,
      rng: new SeededRandomSource(seed),
    });
    return { rows: r.rows, intervals: r.intervals, spent: r.spent.epsilon, charges: ledger.charges.length, touched };
  } catch (e) {
    return { error: (e as { code?: string }).code, charges: ledger.charges.length, touched };
  } finally {
    await engine.close();
  }
}

describe.skipIf(!hasChunks)('review stop 23: a CSV reader decided by the streamed passes answers as the main statement decided it', () => {
  it('same release, touched or not, bad fields anywhere (generative, seed 2325)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            g: fc.constantFrom('a', 'b', 'c'),
            x: fc.oneof(
              { weight: 5, arbitrary: fc.integer({ min: -50, max: 1050 }).map(String) },
              { weight: 1, arbitrary: fc.constantFrom(...BAD) },
            ),
          }),
          { minLength: 1, maxLength: 120 },
        ),
        fc.integer({ min: 1, max: 2 ** 31 }),
        async (rows, seed) => {
          const path = join(dir, `t${file++}.csv`);
          writeFileSync(path, `pid,g,x\n${rows.map((r, i) => `${i + 1},${r.g},${r.x}`).join('\n')}\n`);
          const plain = await release(path, false, seed);
          const redecided = await release(path, true, seed);
          expect(plain.charges).toBe('error' in plain ? 0 : 1);
          // acct, stop 24 (the pinned versions of one query's snapshot): a query refused before the charge never
          // reaches the passes (nothing touched); an answered one, touched between its statements, is the one
          // engine error, charged once.
          if ('error' in plain) expect(redecided).toEqual({ ...plain, touched: false });
          else expect(redecided).toEqual({ error: 'ENGINE_ERROR', charges: 1, touched: true });
        },
      ),
      { seed: 2325, numRuns: 25 },
    );
  }, 300_000);
});
