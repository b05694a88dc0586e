/**
 * DuckDB prepared statements kept by exact text (src/sql/engines/duckdb-prepared.ts, the server's distinct queries):
 * answers, guarantees and charges are identical with and without the cache; hit or miss is a function of the
 * statements asked (the same on neighbouring tables); a run that fails (interrupted at its deadline) keeps its
 * statement, which answers the next run; only SELECT statements are kept.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { EXAMPLES } from './_server.js';

const schema = parseSqlSchema({
  dataset: 'donors',
  budget: { epsilon: 1e6, delta: 1e-3 },
  tables: {
    donors: {
      privacyUnit: 'id',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: {
        id: { type: 'integer' },
        age: { type: 'integer', lower: 18, upper: 90 },
        zip: { type: 'string', categories: ['02108', '02115', '02118', '02125', '02130', '02134', '02139', '02143'] },
        donated: { type: 'boolean' },
      },
    },
  },
});
const columnTypes = { donors: { id: 'integer', age: 'integer', zip: 'string', donated: 'boolean' } } as const;
const dir = mkdtempSync(join(tmpdir(), 'tsdp-prepared-'));
const ledger = () => new FileLedger({ home: mkdtempSync(join(dir, 'ledger-')) });
const open = (file: string, preparedStatements?: number) =>
  DuckDbEngine.open({ files: { donors: file }, columnTypes, ...(preparedStatements !== undefined ? { preparedStatements } : {}) });

/** Queries of a few shapes, each with random constants (one shape, one compiled text, other bind values). */
const query = fc
  .record({
    agg: fc.constantFrom('COUNT(*)', 'SUM(age)', 'AVG(age)'),
    by: fc.constantFrom('', 'zip'),
    where: fc.oneof(
      fc.constant(''),
      fc.integer({ min: 0, max: 100 }).map((a) => `WHERE age > ${a}`),
      fc.double({ min: 0, max: 100, noNaN: true }).map((a) => `WHERE age < ${a.toFixed(3)}`),
      fc.constantFrom('02108', '02139', 'none').map((z) => `WHERE zip <> '${z}'`),
    ),
  })
  .map(({ agg, by, where }) => `SELECT ${by ? `${by}, ` : ''}${agg} AS v FROM donors ${where} ${by ? `GROUP BY ${by}` : ''}`.trim());

const file = join(EXAMPLES, 'server/donors.csv');
// A neighbour: the same people and one more.
const neighbour = join(dir, 'donors-plus-one.csv');
copyFileSync(file, neighbour);
writeFileSync(neighbour, `${readFileSync(file, 'utf8').trimEnd()}\n9999,41,02139,true\n`);

let kept: DuckDbEngine;
let fresh: DuckDbEngine;
beforeAll(async () => {
  kept = await open(file, 4); // small, so eviction is exercised too
  fresh = await open(file);
});
afterAll(async () => {
  await kept?.close();
  await fresh?.close();
});

describe('DuckDB prepared statements kept by exact text', () => {
  it('answers, guarantees and charges are identical with and without the cache (fast-check over shapes, constants, budgets, seeds)', async () => {
    const [withCache, without] = [ledger(), ledger()];
    const budget = fc.oneof(
      fc.record({ epsilon: fc.constantFrom('1/2', 1, '2/7') }),
      fc.record({ rho: fc.constantFrom('1/8', '1/2'), delta: fc.constant(1e-6) }),
    );
    await fc.assert(
      fc.asyncProperty(query, budget, fc.integer({ min: 0, max: 2 ** 31 }), async (sql, b, seed) => {
        const run = (engine: DuckDbEngine, l: FileLedger) =>
          runDpSql({ sql, schema, engine, ledger: l, rng: new SeededRandomSource(seed), ...b });
        const a = await run(kept, withCache);
        const c = await run(fresh, without);
        expect(a.loss).toEqual(c.loss);
        expect(a.guarantee).toEqual(c.guarantee);
        expect(a.columns).toEqual(c.columns);
        expect(a.rows).toEqual(c.rows);
        expect(a.intervals).toEqual(c.intervals);
      }),
      { numRuns: 24, seed: 1515 },
    );
    expect(kept.prepared.hits).toBeGreaterThan(0);
    expect(fresh.prepared.hits).toBe(0);
    expect(fresh.prepared.size).toBe(0);
    const charges = async (l: FileLedger) => (await l.entries('donors')).map((e) => `${e.epsilon}|${e.delta}|${e.rho}`);
    expect(await charges(withCache)).toEqual(await charges(without));
  }, 120_000);

  it('hit or miss is a function of the statements asked: the same sequence on neighbouring tables (fast-check)', async () => {
    const [here, there] = [await open(file, 3), await open(neighbour, 3)];
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(query, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 2 ** 31 }), async (sqls, seed) => {
          const trace = async (engine: DuckDbEngine) => {
            const l = ledger();
            const out: string[] = [];
            for (const sql of sqls) {
              await runDpSql({ sql, schema, engine, ledger: l, rng: new SeededRandomSource(seed), epsilon: 1 });
              out.push(`${engine.prepared.hits}/${engine.prepared.misses}/${engine.prepared.size}`);
            }
            return out;
          };
          expect(await trace(here)).toEqual(await trace(there));
        }),
        { numRuns: 8, seed: 27 },
      );
    } finally {
      await here.close();
      await there.close();
    }
  }, 120_000);

  it('a run interrupted at its deadline keeps its statement, and the next run of that text is answered from it', async () => {
    const engine = await DuckDbEngine.open({ statementTimeoutMs: 300, preparedStatements: 4 });
    try {
      const sql = 'SELECT COUNT(*) AS n FROM range($1) a, range($1) b WHERE a.range + b.range >= 0';
      const slow = { sql, params: [{ value: 10n ** 7n, type: 'bigint' as const }] };
      await expect(engine.query(slow)).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
      await engine.whenIdle();
      expect(engine.prepared.size).toBe(1);
      const rows = await engine.query({ sql, params: [{ value: 30n, type: 'bigint' }] });
      expect(rows).toEqual([{ n: 900n }]);
      expect([engine.prepared.hits, engine.prepared.misses]).toEqual([1, 1]);
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('keeps only statements DuckDB classifies as SELECT (the others are refused and destroyed)', async () => {
    const engine = await DuckDbEngine.open({ preparedStatements: 4 });
    try {
      for (const sql of ['SET threads = 1', 'CALL pragma_version()', 'CREATE TABLE t AS SELECT 1 AS x']) {
        await expect(engine.query({ sql, params: [] })).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
      }
      expect(engine.prepared.size).toBe(0);
      expect(await engine.query({ sql: 'SELECT 41 + $1 AS x', params: [{ value: 1n, type: 'bigint' }] })).toEqual([{ x: 42n }]);
      expect(engine.prepared.size).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it('refuses a count of kept statements that is not an integer in [0, 65536]', async () => {
    for (const n of [-1, 1.5, Number.NaN, 70_000]) {
      await expect(DuckDbEngine.open({ preparedStatements: n })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
    }
  });
});
