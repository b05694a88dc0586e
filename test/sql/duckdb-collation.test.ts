/**
 * Review S41c (class 1/2 through the released key): a DuckDB column declared with a collation (`COLLATE NFC`, an ICU
 * collation, `NOCASE`, `NOACCENT`) makes GROUP BY equate different spellings and release ONE ROW's spelling as the
 * group's key. Rule (`src/sql/engines/duckdb-catalog.ts` "No collations"): a declared stored table whose definition
 * names COLLATE is refused INVALID_SCHEMA before the charge, whatever its rows, and the engine pins
 * `default_collation = ''` so no undeclared collation applies. Regression: the review's NFC case; generative: over
 * collations × which column carries it × rows × one more person, a collated table is refused with nothing charged on
 * both neighbours, an uncollated one is answered on both and its released keys are the rows' own spellings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-duck-collation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = parseSqlSchema({
  dataset: 'duck_collation',
  budget: { epsilon: 1e6, delta: 1e-3 },
  tables: {
    s: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, name: { type: 'string' }, note: { type: 'string' } },
    },
  },
});

const COMPOSED = 'é';
const DECOMPOSED = 'e\u0301';
let files = 0;

/** One database file with `s(pid, name, note)`; `collate` names the collation of `column` (none: no COLLATE). */
async function database(collate: string | undefined, column: 'name' | 'note', people: readonly string[]): Promise<string> {
  const path = join(dir, `c${files++}.duckdb`);
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  const typeOf = (col: string) => (collate !== undefined && col === column ? `VARCHAR COLLATE ${collate}` : 'VARCHAR');
  await c.run(`CREATE TABLE s (pid BIGINT, name ${typeOf('name')}, note ${typeOf('note')})`);
  for (const [i, name] of people.entries()) {
    await c.run('INSERT INTO s VALUES ($1, $2, $3)', [i + 1, name, 'x'] as never);
  }
  c.closeSync();
  instance.closeSync();
  return path;
}

/** The released keys (as UTF-16 lengths and text) or the refusal's code, and how many charges the ledger took. */
async function run(path: string): Promise<{ out: string; charges: number }> {
  const engine = await DuckDbEngine.open({ database: path });
  const ledger = new MemoryLedger();
  try {
    const out = await runDpSql({
      sql: 'SELECT name, COUNT(*) AS n FROM s GROUP BY name',
      schema,
      engine,
      ledger,
      epsilon: 100,
      delta: 1e-4,
      rng: new SeededRandomSource(1),
    }).then(
      (res) => JSON.stringify(res.rows.map((row) => String(row[0])).sort()),
      (e: { code?: string }) => String(e.code),
    );
    return { out, charges: ledger.charges.length };
  } finally {
    await engine.close();
  }
}

describe('DuckDB collations (review S41c)', () => {
  it("regression: a NFC column is refused before the charge, with and without the person spelling 'é' decomposed", async () => {
    const without = await run(await database('NFC', 'name', [COMPOSED, COMPOSED, COMPOSED]));
    const withTarget = await run(await database('NFC', 'name', [DECOMPOSED, COMPOSED, COMPOSED, COMPOSED]));
    expect(without).toEqual({ out: 'INVALID_SCHEMA', charges: 0 });
    expect(withTarget).toEqual({ out: 'INVALID_SCHEMA', charges: 0 });
  }, 60_000);

  it('generative (fast-check, seed 4141): collated tables refused uncharged on both neighbours; uncollated ones answered with the rows’ own spellings', async () => {
    const spelling = fc.constantFrom(COMPOSED, DECOMPOSED, 'a', 'A', 'ä', 'a\u0308');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(undefined, 'NFC', 'NOCASE', 'NOACCENT', 'nocase.noaccent', 'nfc.nocase', 'NOACCENT.NOCASE'),
        fc.constantFrom('name' as const, 'note' as const),
        fc.array(spelling, { minLength: 3, maxLength: 6 }),
        spelling,
        async (collate, column, people, target) => {
          const without = await run(await database(collate, column, people));
          const withTarget = await run(await database(collate, column, [target, ...people]));
          if (collate !== undefined) {
            expect(without).toEqual({ out: 'INVALID_SCHEMA', charges: 0 });
            expect(withTarget).toEqual({ out: 'INVALID_SCHEMA', charges: 0 });
            return;
          }
          for (const [r, rows] of [
            [without, people],
            [withTarget, [target, ...people]],
          ] as const) {
            expect(r.charges).toBe(1);
            // Every released key is some row's exact spelling (binary comparison: no spelling stands for another).
            for (const key of JSON.parse(r.out) as string[]) expect(rows).toContain(key);
          }
        },
      ),
      { numRuns: 12, seed: 4141 },
    );
  }, 240_000);
});
