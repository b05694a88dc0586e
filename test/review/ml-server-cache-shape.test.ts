/**
 * Review ML (reviewml, session 3, 2026-12-06) — issue 15, review S27's class for the server's caches ("a cache
 * never changes what is charged or released"). Written in phase 1 (main 83b83e8: the plan cache keyed on the exact
 * text, kept salts, the exact-aggregate cache) as a held property, to be re-run on the merged main after the
 * server's prepared-statement reuse and parse/plan cache "for queries of one shape" (issue 15): a cache keyed on a
 * query's SHAPE must re-derive everything a literal decides — clamp bounds (`LEAST(age, 40)`), scale factors
 * (`SUM(age * 3)`: sensitivity 3·M), `CASE` constants, filters — or it releases noise calibrated for another query.
 *
 * Property (black box, through HTTP): on a warm server that has answered the same shape with other literals (and
 * the same query before), a query's charge and its intervals' widths (a function of the noise scale, i.e. of the
 * sensitivity and ε only) equal those of the library answering it with no cache at all. fast-check, seed 1510,
 * 40 runs over 6 templates × literals × ε; the data set keeps its exact aggregates (kept salts, exact-aggregate
 * cache) and DuckDB runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { loadSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { call, EXAMPLES, type Running, startServer } from '../server/_server.js';

const TEMPLATES: readonly ((a: number) => string)[] = [
  (a) => `SELECT SUM(age * ${a}) AS s FROM donors`,
  (a) => `SELECT SUM(LEAST(age, ${18 + a * 7})) AS s FROM donors`,
  (a) => `SELECT SUM(CASE WHEN donated THEN ${a * 10} ELSE 0 END) AS s FROM donors`,
  (a) => `SELECT SUM(GREATEST(age - ${18 + a * 6}, 0)) AS s FROM donors`,
  (a) => `SELECT zip, SUM(age + ${a * 20}) AS s FROM donors GROUP BY zip`,
  (a) => `SELECT COUNT(*) AS n FROM donors WHERE age > ${18 + a * 7}`,
];

let running: Running;
let key: string;
let engine: DuckDbEngine;
let schema: SqlSchema;

/** The widths of every interval of a result (null intervals kept as null), by output column. */
function widths(intervals: Record<string, readonly ([number, number] | null)[]>): Record<string, (number | null)[]> {
  return Object.fromEntries(Object.entries(intervals).map(([c, xs]) => [c, xs.map((x) => (x ? x[1] - x[0] : null))]));
}

const close = (a: Record<string, (number | null)[]>, b: Record<string, (number | null)[]>) =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(a).every(([c, xs]) =>
    xs.every((x, i) => {
      const y = b[c]?.[i];
      return x === null || y === null || y === undefined ? x === y : Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
    }),
  );

describe('review ML (issue 15, S27 class): the server’s caches change no charge and no noise scale', () => {
  beforeAll(async () => {
    running = await startServer({
      datasets: {
        donors: {
          schema: join(EXAMPLES, 'server/donors.schema.yaml'),
          files: { donors: join(EXAMPLES, 'server/donors.csv') },
          cap: { epsilon: 1_000_000 },
          analysts: { alice: { epsilon: 1_000_000 } },
          exactAggregateCache: true,
        },
      },
    });
    key = running.key('alice');
    schema = loadSqlSchema(join(EXAMPLES, 'server/donors.schema.yaml'));
    engine = await DuckDbEngine.open({
      files: { donors: join(EXAMPLES, 'server/donors.csv') },
      columnTypes: { donors: { id: 'integer', age: 'integer', zip: 'string', donated: 'boolean' } },
    });
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await engine?.close();
  });

  it('held on 83b83e8 (re-run on the merged main): a warm server answers a shape’s new literals with the uncached charge and noise scale (fast-check seed 1510, 40 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: TEMPLATES.length - 1 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom(0.5, 1, 2),
        async (t, a, b, epsilon) => {
          const template = TEMPLATES[t] as (x: number) => string;
          // Warm the server with the shape (literal a, twice: a repeated text), then ask literal b.
          for (const sql of [template(a), template(a)]) {
            const r = await call(running.url, 'POST', '/v1/queries', { key, body: { dataset: 'donors', sql, epsilon } });
            expect(r.status).toBe(200);
          }
          const served = await call(running.url, 'POST', '/v1/queries', { key, body: { dataset: 'donors', sql: template(b), epsilon } });
          expect(served.status).toBe(200);
          // A fresh library ledger per run (the schema file's own budget is small).
          const home = mkdtempSync(join(tmpdir(), 'tsdp-review-ml-cache-'));
          const reference = await runDpSql({ sql: template(b), schema, engine, ledger: new FileLedger({ home }), epsilon }).finally(() =>
            rmSync(home, { recursive: true, force: true }),
          );
          expect(served.body.charged).toEqual({
            epsilon: reference.loss.epsilon.toString(),
            delta: reference.loss.delta.toString(),
            rho: reference.loss.rho.toString(),
          });
          const got = widths(served.body.intervals as Record<string, ([number, number] | null)[]>);
          const want = widths(reference.intervals as Record<string, ([number, number] | null)[]>);
          expect(close(got, want), JSON.stringify({ sql: template(b), got, want })).toBe(true);
        },
      ),
      { seed: 1510, numRuns: 40 },
    );
  }, 300_000);
});
