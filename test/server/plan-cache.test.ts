/**
 * The plan cache (src/server/plan-cache.ts) never changes a guarantee or a charge: keyed on exactly what a plan
 * depends on (the schema object and the query text), with everything that depends on ε, δ, ρ or the noise computed
 * per query. A schema change misses; another ε hits the plan and is charged its own ε.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { MAX_CACHED_TEXT, PlanCache } from '../../src/server/plan-cache.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { planDpQuery } from '../../src/sql/plan/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { EXAMPLES, startServer } from './_server.js';

const schemaWith = (upper: number): SqlSchema =>
  parseSqlSchema({
    dataset: 'donors',
    budget: { epsilon: 1000, delta: 1e-3 },
    tables: {
      donors: {
        privacyUnit: 'id',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: {
          id: { type: 'integer' },
          age: { type: 'integer', lower: 18, upper },
          zip: { type: 'string', categories: ['02108', '02115', '02118', '02125', '02130', '02134', '02139', '02143'] },
          donated: { type: 'boolean' },
        },
      },
    },
  });

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
const ledger = () => new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-plan-cache-')) });

describe('PlanCache', () => {
  it('a changed schema misses: the plan is the new schema’s, never the old one’s', async () => {
    const cache = new PlanCache();
    const sql = 'SELECT AVG(age) AS a FROM donors';
    const [a, b] = [schemaWith(90), schemaWith(60)];
    const l = ledger();
    await runDpSql({ sql, schema: a, engine, ledger: l, planCache: cache, epsilon: 1 });
    expect(cache.get(sql, b)).toBeUndefined();
    await runDpSql({ sql, schema: b, engine, ledger: l, planCache: cache, epsilon: 1 });
    const planned = cache.get(sql, b);
    expect(planned).toEqual(planDpQuery(sql, b));
    expect(planned).not.toEqual(planDpQuery(sql, a));
    // One byte of difference in the text is another key.
    expect(cache.get(`${sql} `, b)).toBeUndefined();
    // A text longer than MAX_CACHED_TEXT is never kept (memory bound).
    const long = `${sql}${' '.repeat(MAX_CACHED_TEXT)}`;
    cache.set(long, b, planDpQuery(long, b));
    expect(cache.get(long, b)).toBeUndefined();
  });

  it('another ε reuses the plan and is charged its own ε; refusals are not cached', async () => {
    const cache = new PlanCache();
    const schema = schemaWith(90);
    const l = ledger();
    const sql = 'SELECT zip, COUNT(*) AS n FROM donors GROUP BY zip';
    const r1 = await runDpSql({ sql, schema, engine, ledger: l, planCache: cache, epsilon: '1/3' });
    const r2 = await runDpSql({ sql, schema, engine, ledger: l, planCache: cache, epsilon: '1/7' });
    expect(cache.hits).toBe(1);
    expect(r1.loss.epsilon.toString()).toBe('1/3');
    expect(r2.loss.epsilon.toString()).toBe('1/7');
    await expect(
      runDpSql({ sql: 'SELECT age FROM donors', schema, engine, ledger: l, planCache: cache, epsilon: 1 }),
    ).rejects.toMatchObject({
      code: 'UNSUPPORTED_QUERY',
    });
    expect(cache.get('SELECT age FROM donors', schema)).toBeUndefined();
    expect((await l.entries('donors')).map((e) => e.epsilon.toString())).toEqual(['1/3', '1/7']);
  });

  it('charges, guarantees and answers exactly as without the cache, for random queries and budgets (fast-check)', async () => {
    const cache = new PlanCache(4); // small, so eviction is exercised too
    const schema = schemaWith(90);
    const [withCache, without] = [ledger(), ledger()];
    const query = fc
      .record({
        agg: fc.constantFrom('COUNT(*)', 'SUM(age)', 'AVG(age)', 'COUNT(age)'),
        by: fc.constantFrom('', 'zip'),
        where: fc.constantFrom('', 'WHERE donated', 'WHERE age > 40', "WHERE zip <> '02139'"),
      })
      .map(({ agg, by, where }) => `SELECT ${by ? `${by}, ` : ''}${agg} AS v FROM donors ${where} ${by ? `GROUP BY ${by}` : ''}`.trim());
    const budget = fc.oneof(
      fc.record({ epsilon: fc.constantFrom('1/2', '1/3', 1, '2/7') }),
      fc.record({ rho: fc.constantFrom('1/8', '1/2'), delta: fc.constant(1e-6) }),
    );
    await fc.assert(
      fc.asyncProperty(query, budget, fc.integer({ min: 0, max: 2 ** 31 }), async (sql, b, seed) => {
        const run = (l: FileLedger, planCache?: PlanCache) =>
          runDpSql({ sql, schema, engine, ledger: l, rng: new SeededRandomSource(seed), ...(planCache ? { planCache } : {}), ...b });
        const cached = await run(withCache, cache);
        const plain = await run(without);
        expect(cached.loss).toEqual(plain.loss);
        expect(cached.guarantee).toEqual(plain.guarantee);
        expect(cached.columns).toEqual(plain.columns);
        expect(cached.rows).toEqual(plain.rows);
      }),
      { numRuns: 30, seed: 15 },
    );
    expect(cache.hits).toBeGreaterThan(0);
    const sum = async (l: FileLedger) => (await l.entries('donors')).map((e) => `${e.epsilon}|${e.delta}|${e.rho}`);
    expect(await sum(withCache)).toEqual(await sum(without));
  });

  it('the server reuses plans across requests, and each request is charged its own ε', async () => {
    const s = await startServer();
    try {
      const key = s.key('alice');
      const sql = 'SELECT COUNT(*) AS n FROM donors';
      const { call } = await import('./_server.js');
      const a = await call(s.url, 'POST', '/v1/queries', { key, body: { dataset: 'donors', sql, epsilon: '1/10' } });
      const b = await call(s.url, 'POST', '/v1/queries', { key, body: { dataset: 'donors', sql, epsilon: '1/20' } });
      expect([a.status, b.status]).toEqual([200, 200]);
      expect([a.body, b.body]).toMatchObject([{ charged: { epsilon: '1/10' } }, { charged: { epsilon: '1/20' } }]);
      expect((await s.server.ledger.entries('donors')).map((e) => e.epsilon.toString())).toEqual(['1/10', '1/20']);
    } finally {
      await s.close();
    }
  });
});
