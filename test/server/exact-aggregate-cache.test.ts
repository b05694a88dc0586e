/**
 * The exact-aggregate cache (src/server/exact-aggregate-cache.ts) and the kept salt (src/server/plan-cache.ts) change
 * when an exact aggregate is computed, never what is released or charged: with the same randomness, every answer,
 * guarantee and charge equals the uncached path's; each query is charged; a failed or oversized result is never kept;
 * memory follows an LRU model; only data that cannot change (a DuckDB file, or files declared immutable) is cached.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { declareRowBound, ExactAggregateCache } from '../../src/server/exact-aggregate-cache.js';
import { PlanCache } from '../../src/server/plan-cache.js';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { postgresDialect } from '../../src/sql/dialects/postgres.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { call, EXAMPLES, startServer, stateDir, testConfig } from './_server.js';

const schemaInput = {
  dataset: 'donors',
  budget: { epsilon: 1000, delta: 1e-3 },
  tables: {
    donors: {
      privacyUnit: 'id',
      maxPartitions: 2,
      maxContributionsPerPartition: 1,
      columns: {
        id: { type: 'integer' },
        age: { type: 'integer', lower: 18, upper: 90 },
        zip: { type: 'string', categories: ['02108', '02115', '02118', '02125', '02130', '02134', '02139', '02143'] },
        donated: { type: 'boolean' },
      },
    },
  },
};
const schema = parseSqlSchema(schemaInput);

let engine: DuckDbEngine;
beforeAll(async () => {
  engine = await DuckDbEngine.open({
    files: { donors: join(EXAMPLES, 'server/donors.csv') },
    columnTypes: { donors: { id: 'integer', age: 'integer', zip: 'string', donated: 'boolean' } },
  });
});
afterAll(async () => {
  await engine.close();
});
const ledger = () => new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-exact-cache-')) });
/** The cache over the shared engine, whose close leaves the engine open (the suite closes it). */
const cacheOver = (e: DuckDbEngine, options?: { maxEntries?: number; maxRows?: number }) =>
  new ExactAggregateCache({ dialect: e.dialect, catalog: (t) => e.catalog(t), query: (s) => e.query(s), close: async () => {} }, options);
/** A statement declared with a public bound of `rows` rows (as the plan cache declares the statements it keeps). */
const declared = (statement: CompiledStatement, rows = 1): CompiledStatement => {
  declareRowBound(statement, rows);
  return statement;
};
const value = (v: number): CompiledStatement => declared({ sql: 'SELECT ? * 2 AS x', params: [{ value: BigInt(v), type: 'bigint' }] });

describe('ExactAggregateCache', () => {
  it('a repeated query runs its statement once, is charged every time, and draws fresh noise', async () => {
    const plans = new PlanCache();
    plans.keepSaltFor(schema);
    const cached = cacheOver(engine);
    const l = ledger();
    const sql = 'SELECT zip, COUNT(*) AS n FROM donors GROUP BY zip';
    const answers = [];
    for (const seed of [1, 2, 3]) {
      answers.push(
        await runDpSql({ sql, schema, engine: cached, ledger: l, planCache: plans, epsilon: '1/2', rng: new SeededRandomSource(seed) }),
      );
    }
    expect([cached.misses, cached.hits]).toEqual([1, 2]);
    expect((await l.entries('donors')).map((e) => e.epsilon.toString())).toEqual(['1/2', '1/2', '1/2']);
    // Three seeds, three noise draws over the one exact aggregate: the answers are not one answer repeated.
    expect(new Set(answers.map((a) => JSON.stringify(a.rows))).size).toBeGreaterThan(1);
  });

  it('releases, guarantees and charges exactly what the uncached engine does, for random queries, budgets and seeds (fast-check)', async () => {
    // Both paths keep one salt per plan (the server's setting for cached data sets); only the cache differs.
    const [plansA, plansB] = [new PlanCache(), new PlanCache()];
    plansA.keepSaltFor(schema);
    plansB.keepSaltFor(schema);
    const cached = cacheOver(engine, { maxEntries: 3 }); // small, so eviction is exercised too
    const [la, lb] = [ledger(), ledger()];
    const query = fc
      .record({
        agg: fc.constantFrom('COUNT(*)', 'SUM(age)', 'AVG(age)', 'COUNT(age)'),
        by: fc.constantFrom('', 'zip'),
        where: fc.constantFrom('', 'WHERE donated', 'WHERE age > 40'),
      })
      .map(({ agg, by, where }) => `SELECT ${by ? `${by}, ` : ''}${agg} AS v FROM donors ${where} ${by ? `GROUP BY ${by}` : ''}`.trim());
    const budget = fc.oneof(fc.record({ epsilon: fc.constantFrom('1/2', 1, '2/7') }), fc.record({ rho: fc.constantFrom('1/8', '1/2') }));
    await fc.assert(
      fc.asyncProperty(query, budget, fc.integer({ min: 0, max: 2 ** 31 }), async (sql, b, seed) => {
        // A text's first query draws its salt from its rng (the same seed on both paths), later ones reuse it.
        const a = await runDpSql({ sql, schema, engine: cached, ledger: la, planCache: plansA, rng: new SeededRandomSource(seed), ...b });
        const r = await runDpSql({ sql, schema, engine, ledger: lb, planCache: plansB, rng: new SeededRandomSource(seed), ...b });
        expect(a.loss).toEqual(r.loss);
        expect(a.guarantee).toEqual(r.guarantee);
        expect(a.columns).toEqual(r.columns);
        expect(a.rows).toEqual(r.rows);
        expect(a.intervals).toEqual(r.intervals);
      }),
      { numRuns: 30, seed: 15 },
    );
    expect(cached.hits).toBeGreaterThan(0);
    const spent = async (l: FileLedger) => (await l.entries('donors')).map((e) => `${e.epsilon}|${e.delta}|${e.rho}`);
    expect(await spent(la)).toEqual(await spent(lb));
  });

  it('keeps at most maxEntries statements, least recently used out first, and returns the engine’s rows (fast-check LRU model)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 25 }), async (xs) => {
        const cached = cacheOver(engine, { maxEntries: 3 });
        const model: number[] = [];
        let misses = 0;
        for (const x of xs) {
          const rows = await cached.query(value(x));
          expect(rows).toEqual([{ x: BigInt(2 * x) }]);
          const at = model.indexOf(x);
          if (at >= 0) model.splice(at, 1);
          else misses++;
          model.push(x);
          if (model.length > 3) model.shift();
        }
        expect(cached.misses).toBe(misses);
        expect(cached.hits).toBe(xs.length - misses);
      }),
      { numRuns: 40, seed: 15 },
    );
  });

  it('keeps by the public bound declared before the run, never by the rows: a failed, an undeclared or an over-bound statement is never kept', async () => {
    const cached = cacheOver(engine, { maxRows: 3 });
    const bad = declared({ sql: 'SELECT * FROM no_such_table', params: [] });
    for (let i = 0; i < 2; i++) await expect(cached.query(bad)).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    expect([cached.misses, cached.hits]).toEqual([2, 0]);
    const twice = async (statement: CompiledStatement) => {
      const before = cached.hits;
      expect(await cached.query(statement)).toHaveLength(5);
      expect(await cached.query(statement)).toHaveLength(5);
      return cached.hits - before;
    };
    // Undeclared, or declared above maxRows: run every time.
    expect(await twice({ sql: 'SELECT range AS r FROM range(5)', params: [] })).toBe(0);
    expect(await twice(declared({ sql: 'SELECT range AS r FROM range(5) WHERE 1 = 1', params: [] }, 4))).toBe(0);
    expect(await twice(declared({ sql: 'SELECT range AS r FROM range(5) WHERE 2 = 2', params: [] }, Number.POSITIVE_INFINITY))).toBe(0);
    // Declared within maxRows: kept, whatever number of rows the data then gives (5 > 3 here): the rows never decide.
    expect(await twice(declared({ sql: 'SELECT range AS r FROM range(5) WHERE 3 = 3', params: [] }, 3))).toBe(1);
  });

  it('tells apart bind values that JSON prints alike: −0 and 0, NaN and null, Infinity and null', async () => {
    const pairs: [number | null, number | null][] = [
      [-0, 0],
      [Number.NaN, null],
      [Number.POSITIVE_INFINITY, null],
    ];
    for (const [a, b] of pairs) {
      const cached = cacheOver(engine);
      const run = (v: number | null) =>
        cached.query(declared({ sql: 'SELECT CAST(? AS VARCHAR) AS v', params: [{ value: v, type: 'double' }] })).catch(() => []);
      const [ra, rb] = [await run(a), await run(b)];
      expect(cached.misses).toBe(2); // two statements, each run: never one answered with the other's rows
      expect(rb).not.toEqual(ra);
    }
  });

  it('kept rows are frozen: the release path cannot change what the next query reads', async () => {
    const rows = await cacheOver(engine).query(value(4));
    expect(Object.isFrozen(rows) && rows.every((r) => Object.isFrozen(r))).toBe(true);
  });
});

describe('review S27: whether a result is kept never depends on the data', () => {
  const unitSchema = parseSqlSchema({
    dataset: 's27',
    budget: { epsilon: 1e6, delta: 1e-3 },
    tables: {
      t: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: {
          pid: { type: 'integer' },
          g: { type: 'integer' },
          c: { type: 'string', categories: ['a', 'b', 'c'] },
          v: { type: 'integer', lower: 0, upper: 10 },
        },
      },
    },
  });
  const queries = [
    'SELECT COUNT(*) AS n FROM t',
    'SELECT g, COUNT(*) AS n FROM t GROUP BY g', // keys by partition selection: the data's groups
    'SELECT c, COUNT(*) AS n FROM t GROUP BY c', // declared keys: 3 groups, public
    'SELECT c, SUM(v) AS s FROM t GROUP BY c',
    'SELECT g, c, COUNT(*) AS n FROM t GROUP BY g, c',
  ];
  let duck: DuckDbEngine;
  beforeAll(async () => {
    duck = await DuckDbEngine.open({});
  });
  afterAll(async () => {
    await duck?.close();
  });
  type Person = { g: number; c: string; v: number };
  const load = async (people: readonly Person[]) => {
    const rows = people.map((p, i) => `(${i}, ${p.g}, '${p.c}', ${p.v})`).join(', ');
    await duck.connection.run(
      people.length === 0
        ? 'CREATE OR REPLACE TABLE t (pid BIGINT, g BIGINT, c VARCHAR, v BIGINT)'
        : `CREATE OR REPLACE TABLE t AS SELECT * FROM (VALUES ${rows}) v(pid, g, c, v)`,
    );
  };
  /** The cache's (misses, hits) after each query of the sequence, on a fresh cache and plan cache (as a new server). */
  const trace = async (people: readonly Person[], sequence: readonly number[], maxRows: number) => {
    await load(people);
    const cache = new ExactAggregateCache(
      { dialect: duck.dialect, catalog: (t) => duck.catalog(t), query: (x) => duck.query(x), close: async () => {} },
      { maxRows },
    );
    const plans = new PlanCache();
    plans.keepSaltFor(unitSchema);
    const out: [number, number][] = [];
    for (const [i, q] of sequence.entries()) {
      const sql = queries[q] as string;
      await runDpSql({
        sql,
        schema: unitSchema,
        engine: cache,
        ledger: new MemoryLedger(),
        planCache: plans,
        epsilon: 1,
        delta: 1e-6,
        rng: new SeededRandomSource(i),
      });
      out.push([cache.misses, cache.hits]);
    }
    return out;
  };

  it('regression: a selection query is kept on neither D′ (maxRows groups) nor D (one more person, one more group)', async () => {
    const dPrime = Array.from({ length: 3 }, (_, g) => ({ g, c: 'a', v: 1 }));
    const sequence = [1, 1, 1];
    const without = await trace(dPrime, sequence, 3);
    const withTarget = await trace([...dPrime, { g: 3, c: 'a', v: 1 }], sequence, 3);
    expect(withTarget).toEqual(without);
    expect(without.at(-1)).toEqual([3, 0]);
  }, 60_000);

  it('the class: on neighbouring tables (one person more) the hit/miss sequence of any query sequence is the same (fast-check)', async () => {
    const person = fc.record({
      g: fc.integer({ min: 0, max: 6 }),
      c: fc.constantFrom('a', 'b', 'c', 'z'),
      v: fc.integer({ min: -3, max: 14 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(person, { maxLength: 12 }),
        person,
        fc.array(fc.integer({ min: 0, max: queries.length - 1 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(1, 2, 3, 10),
        async (dPrime, target, sequence, maxRows) => {
          const without = await trace(dPrime, sequence, maxRows);
          const withTarget = await trace([...dPrime, target], sequence, maxRows);
          expect(withTarget).toEqual(without);
        },
      ),
      { numRuns: 25, seed: 27 },
    );
  }, 120_000);
});

describe('PlanCache kept salt', () => {
  it('a kept schema compiles each cached text with one salt, drawn once; other schemas draw every time (fast-check)', () => {
    const other = parseSqlSchema(schemaInput); // the same declaration, another schema object: not kept
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 30 }), (texts) => {
        const plans = new PlanCache(2);
        plans.keepSaltFor(schema);
        let draws = 0n;
        const draw = () => ++draws;
        const seen = new Map<string, bigint>();
        for (const t of texts) {
          // As runDpSql: the plan is looked up (or stored) first, then the salt asked for.
          if (!plans.get(t, schema)) {
            plans.set(t, schema, Object.freeze({ text: t }) as never);
            seen.delete(t); // stored afresh (first time, or after eviction): a new salt
          }
          const s = plans.salt(t, schema, draw);
          if (seen.has(t)) expect(s).toBe(seen.get(t));
          seen.set(t, s);
          const before = draws;
          expect(plans.salt(t, other, draw)).toBe(before + 1n); // not kept: a fresh draw each time
        }
      }),
      { numRuns: 100, seed: 15 },
    );
  });
});

describe('PlanCache kept compiled statements', () => {
  it('compiles a cached plan once under its kept salt, deep-frozen; any other salt, plan or dialect object compiles afresh', async () => {
    const plans = new PlanCache();
    plans.keepSaltFor(schema);
    const l = ledger();
    const sql = 'SELECT zip, AVG(age) AS a FROM donors GROUP BY zip';
    await runDpSql({ sql, schema, engine, ledger: l, planCache: plans, epsilon: 1 });
    const plan = plans.get(sql, schema);
    if (!plan) throw new Error('not cached');
    const salt = plans.salt(sql, schema, () => -1n);
    let compiles = 0;
    const compile = () => {
      compiles++;
      return { main: { sql: `x${compiles}`, params: [] }, histograms: [] } as never;
    };
    const kept = plans.compiled(plan, salt, duckdbDialect, compile); // runDpSql kept the real one already: not called
    expect(compiles).toBe(0);
    expect(Object.isFrozen(kept) && Object.isFrozen(kept.main) && Object.isFrozen(kept.main.params)).toBe(true);
    expect(kept.main.sql).toContain('SELECT');
    expect(plans.compiled(plan, salt + 1n, duckdbDialect, compile).main.sql).toBe('x1');
    expect(plans.compiled(plan, salt, postgresDialect, compile).main.sql).toBe('x2');
    expect(plans.compiled(Object.freeze({ ...plan }), salt, duckdbDialect, compile).main.sql).toBe('x3');
    // Keyed by the dialect object, not its name: another dialect called 'duckdb' compiles afresh (it may differ).
    expect(engine.dialect).toBe(duckdbDialect);
    expect(plans.compiled(plan, salt, Object.freeze({ ...duckdbDialect }), compile).main.sql).toBe('x4');
  });
});

describe('which data sets cache exact aggregates', () => {
  it('on by default only for a DuckDB database file; files, PostgreSQL and ClickHouse only when declared', () => {
    const ds = (d: Record<string, unknown>) =>
      testConfig(stateDir(), {
        datasets: { x: { schema: join(EXAMPLES, 'server/donors.schema.yaml'), analysts: { alice: { epsilon: 1 } }, ...d } },
      }).datasets.get('x')?.exactAggregateCache;
    expect(ds({ db: 'duckdb:donors.duckdb' })).toBe(true);
    expect(ds({ db: 'duckdb:donors.duckdb', exactAggregateCache: false })).toBe(false);
    expect(ds({ files: { donors: join(EXAMPLES, 'server/donors.csv') } })).toBe(false);
    expect(ds({ files: { donors: join(EXAMPLES, 'server/donors.csv') }, exactAggregateCache: true })).toBe(true);
    expect(ds({ db: 'postgres://u@localhost/db?tsdp_reader_role=r' })).toBe(false);
    expect(() => ds({ db: 'duckdb:donors.duckdb', exactAggregateCache: 'yes' })).toThrow(/exactAggregateCache/);
  });

  it('the server answers a repeated query from the cache and charges each request', async () => {
    const s = await startServer({
      datasets: {
        donors: {
          schema: join(EXAMPLES, 'server/donors.schema.yaml'),
          files: { donors: join(EXAMPLES, 'server/donors.csv') },
          analysts: { alice: { epsilon: 1 } },
          exactAggregateCache: true,
        },
      },
    });
    try {
      const key = s.key('alice');
      const sql = 'SELECT COUNT(*) AS n FROM donors';
      for (const epsilon of ['1/10', '1/20', '1/30']) {
        const r = await call(s.url, 'POST', '/v1/queries', { key, body: { dataset: 'donors', sql, epsilon } });
        expect(r.status).toBe(200);
      }
      const e = s.server.datasets.get('donors')?.engine;
      expect(e).toBeInstanceOf(ExactAggregateCache);
      expect([(e as ExactAggregateCache).misses, (e as ExactAggregateCache).hits]).toEqual([1, 2]);
      expect((await s.server.ledger.entries('donors')).map((x) => x.epsilon.toString())).toEqual(['1/10', '1/20', '1/30']);
    } finally {
      await s.close();
    }
  });
});
