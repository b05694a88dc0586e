/**
 * The generative tests' timeout rules (engine-timeout.ts): only the engine's timeout code is inconclusive, any other
 * engine failure still fails the test, and shrinking stops at its time budget with a genuine counterexample.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { boundedShrinking, duckdbRerun, postgresRerun, queryOrTimeout } from './engine-timeout.js';
import { postgresTestUrl } from './postgres-url.js';

const TIMEOUT_MS = 200;
let engine: PostgresEngine;
let duck: DuckDbEngine;

beforeAll(async () => {
  engine = await PostgresEngine.open({ connectionString: postgresTestUrl(), statementTimeoutMs: TIMEOUT_MS });
  duck = await DuckDbEngine.open({ statementTimeoutMs: TIMEOUT_MS });
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await duck?.close();
});

const statement = (sql: string) => ({ sql, params: [] });

describe('an engine failure in a generative test (engine-timeout.ts, rule 1)', () => {
  it('a statement past the statement timeout is a timeout (SQLSTATE 57014 on the rerun)', async () => {
    const s = statement('SELECT pg_catalog.pg_sleep(5) AS x');
    await expect(engine.query(s)).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    expect(await queryOrTimeout(() => engine.query(s), s, postgresRerun(postgresTestUrl(), TIMEOUT_MS), 'sleep')).toBe('timeout');
  }, 60_000);

  it('any other engine error fails, naming its SQLSTATE (a division by zero on a row: 22012)', async () => {
    const s = statement('SELECT 1 / (x - 1) AS y FROM (VALUES (1)) AS t(x)');
    await expect(queryOrTimeout(() => engine.query(s), s, postgresRerun(postgresTestUrl(), TIMEOUT_MS), 'zero')).rejects.toThrow(
      /SQLSTATE 22012/,
    );
  }, 60_000);

  it('DuckDB: a statement past the deadline is a timeout (INTERRUPT on the rerun); a conversion error fails, named', async () => {
    const slow = statement('SELECT count(*) AS n FROM range(100000) AS a, range(100000) AS b WHERE a.range + b.range = -1');
    await expect(duck.query(slow)).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    const rerun = duckdbRerun(duck.connection, TIMEOUT_MS);
    expect(await queryOrTimeout(() => duck.query(slow), slow, rerun, 'slow')).toBe('timeout');
    const bad = { sql: 'SELECT CAST($1 || range AS INTEGER) AS y FROM range(2)', params: [{ value: 'x', type: 'text' as const }] };
    await expect(queryOrTimeout(() => duck.query(bad), bad, rerun, 'bad')).rejects.toThrow(/Conversion Error/);
  }, 60_000);

  it('an engine failure the rerun does not reproduce is retried once, then fails', async () => {
    const s = statement('SELECT 1 AS x');
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('refused by the test');
    };
    await expect(queryOrTimeout(failing, s, postgresRerun(postgresTestUrl(), TIMEOUT_MS), 'flaky')).rejects.toThrow(/ran, twice/);
    expect(calls).toBe(2);
    let once = 0;
    const recovers = async () => {
      if (once++ === 0) throw new Error('transient');
      return [{ x: 1 }];
    };
    expect(await queryOrTimeout(recovers, s, postgresRerun(postgresTestUrl(), TIMEOUT_MS), 'recovers')).toEqual([{ x: 1 }]);
  }, 60_000);
});

describe('shrinking bounded in time (engine-timeout.ts, rule 2)', () => {
  it('stops shrinking at the budget and still reports a genuine counterexample', async () => {
    let runs = 0;
    const failing = (xs: number[]) => xs.length > 3;
    const predicate = boundedShrinking(0, async (xs: number[]) => {
      runs++;
      if (failing(xs)) throw new Error('too long');
    });
    const details = await fc.check(fc.asyncProperty(fc.array(fc.integer(), { minLength: 20, maxLength: 40 }), predicate), {
      seed: 21,
      numRuns: 10,
    });
    expect(details.failed).toBe(true);
    expect(failing(details.counterexample?.[0] ?? [])).toBe(true);
    expect(runs).toBe(1); // a zero budget: the first failure, no shrink candidate run
    let unbounded = 0;
    await expect(
      fc.assert(
        fc.asyncProperty(fc.array(fc.integer(), { minLength: 20, maxLength: 40 }), async (xs) => {
          unbounded++;
          if (failing(xs)) throw new Error('too long');
        }),
        { seed: 21, numRuns: 10 },
      ),
    ).rejects.toThrow();
    expect(unbounded).toBeGreaterThan(1); // fast-check shrinks when nothing bounds it
  });

  it('skips nothing before the first failure; a precondition skip does not start the budget', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        boundedShrinking(0, async (x: number) => {
          runs++;
          fc.pre(x % 3 !== 0);
        }),
      ),
      { seed: 5, numRuns: 50 },
    );
    expect(runs).toBeGreaterThanOrEqual(50);
  });
});
