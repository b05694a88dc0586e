/**
 * The server's engine wrappers forward every member of `SqlEngine`, the optional public-check hooks included (review
 * S45b; rule in src/server/engine-wrapper.ts): a hook a wrapper does not declare makes `runDpSql`'s `engine.hook?.()`
 * a silent no-op — S45b: PostgreSQL's preflight skipped, a revoked EXECUTE charged then ENGINE_ERROR.
 * - structural: each wrapper has every member `SQL_ENGINE_MEMBERS` lists (the compiler checks that list against the
 *   interface both ways), and each member called on the wrapper reaches the wrapped engine;
 * - generative: a hook's every call reaches the wrapped engine with the same statements, and its refusal comes back
 *   unchanged;
 * - generative, end to end: `runDpSql` makes the same calls on a wrapped engine as on the bare one, and a refusing
 *   preflight leaves nothing charged through every wrapper, as on the bare engine.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { EnginePool, SerialEngine } from '../../src/server/engine-pool.js';
import { type EngineWrapper, SQL_ENGINE_MEMBERS } from '../../src/server/engine-wrapper.js';
import { ExactAggregateCache } from '../../src/server/exact-aggregate-cache.js';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { ownStatements, type SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { EXAMPLES } from './_server.js';

/** Every wrapper the server builds, over one engine (datasets.ts: a pool for DuckDB, the cache over any engine). */
const WRAPPERS: Readonly<Record<string, (inner: SqlEngine) => SqlEngine>> = {
  ExactAggregateCache: (e) => new ExactAggregateCache(e),
  EnginePool: (e) => new EnginePool([e]),
  SerialEngine: (e) => new SerialEngine(e),
  'ExactAggregateCache(EnginePool)': (e) => new ExactAggregateCache(new EnginePool([e])),
};

/** A statement's identity in a log (bigint parameters as text). */
const key = (s: CompiledStatement) => JSON.stringify([s.sql, s.params.map((p) => [p.type, String(p.value)])]);

/**
 * An engine with every member of `SqlEngine` (typed `EngineWrapper`: a hook the interface gains is a compile error
 * here too) that logs each call and delegates rows and catalog to `rows` (or answers empty ones).
 */
function recorder(log: string[], options: { rows?: SqlEngine; refuse?: DpError } = {}): EngineWrapper {
  return {
    get dialect() {
      return options.rows?.dialect ?? duckdbDialect;
    },
    catalog: async (tables) => {
      log.push(`catalog ${JSON.stringify([...tables].sort())}`);
      return options.rows ? options.rows.catalog(tables) : new Map();
    },
    preflight: async (statements) => {
      log.push(`preflight ${statements.map(key).join(' ')}`);
      if (options.refuse) throw options.refuse;
    },
    query: async (statement) => {
      log.push(`query ${key(statement)}`);
      return options.rows ? options.rows.query(statement) : [];
    },
    queryChunks: async (statement, chunkRows, onChunk) => {
      log.push(`queryChunks ${key(statement)}`);
      if (options.refuse) throw options.refuse;
      const rows = options.rows ? await options.rows.query(statement) : [];
      for (let i = 0; i < rows.length; i += chunkRows) await onChunk(rows.slice(i, i + chunkRows));
    },
    snapshot: async (work) => {
      log.push('snapshot');
      return work(ownStatements(options.rows ?? recorder([], {})));
    },
    close: async () => {
      log.push('close');
    },
  };
}

/** How each member is exercised on a wrapper (a member `SqlEngine` gains is a compile error here until listed). */
const statement: CompiledStatement = { sql: 'SELECT 1 AS one', params: [{ type: 'bigint', value: 7n }] };
const EXERCISE: { readonly [K in keyof SqlEngine]-?: (w: SqlEngine) => unknown } = {
  dialect: (w) => w.dialect,
  catalog: (w) => w.catalog(['t']),
  preflight: (w) => w.preflight?.([statement]),
  query: (w) => w.query(statement),
  queryChunks: (w) => w.queryChunks?.(statement, 2, () => {}),
  snapshot: (w) => w.snapshot?.(async (r) => r.query(statement)),
  close: (w) => w.close(),
};

describe('engine wrappers forward every member of SqlEngine (review S45b)', () => {
  it('each wrapper has every listed member, and each member called on it reaches the wrapped engine', async () => {
    for (const [name, wrap] of Object.entries(WRAPPERS)) {
      const log: string[] = [];
      const wrapper = wrap(recorder(log));
      // The members in the listed order (close last): a method or hook is logged by the wrapped engine; the
      // property is the wrapped engine's.
      for (const [member, kind] of Object.entries(SQL_ENGINE_MEMBERS) as [keyof SqlEngine, string][]) {
        expect({ name, member, present: member in wrapper }).toEqual({ name, member, present: true });
        const before = log.length;
        const value = await EXERCISE[member](wrapper);
        if (kind === 'property') {
          expect({ name, member, value }).toEqual({ name, member, value: duckdbDialect });
        } else {
          expect({ name, member, reached: log.slice(before).map((l) => l.split(' ')[0]) }).toEqual({ name, member, reached: [member] });
        }
      }
    }
  });

  it('every hook call reaches the wrapped engine with the same statements, and its refusal comes back unchanged (fast-check)', async () => {
    const hooks = (Object.entries(SQL_ENGINE_MEMBERS) as [keyof SqlEngine, string][]).filter(([, kind]) => kind === 'hook');
    expect(hooks.map(([m]) => m)).toEqual(['preflight', 'queryChunks', 'snapshot']);
    const statementArb = fc.record({
      sql: fc.string({ maxLength: 20 }),
      params: fc.array(
        fc.oneof(
          fc.record({ type: fc.constant('bigint' as const), value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }),
          fc.record({ type: fc.constant('text' as const), value: fc.string({ maxLength: 8 }) }),
        ),
        { maxLength: 3 },
      ),
    }) as fc.Arbitrary<CompiledStatement>;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(WRAPPERS)),
        fc.array(fc.record({ statements: fc.array(statementArb, { maxLength: 4 }), refuse: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        async (name, calls) => {
          for (const { statements, refuse } of calls) {
            const log: string[] = [];
            const error = new DpError('INVALID_SCHEMA', 'refused by the wrapped engine', { expected: 'a test' });
            const wrapper = (WRAPPERS[name] as (e: SqlEngine) => SqlEngine)(recorder(log, refuse ? { refuse: error } : {}));
            const outcome = await (wrapper.preflight?.(statements) ?? Promise.resolve('skipped')).then(
              (v) => v ?? 'passed',
              (e: unknown) => e,
            );
            expect(outcome).toBe(refuse ? error : 'passed');
            expect(log).toEqual([`preflight ${statements.map(key).join(' ')}`]);
          }
        },
      ),
      { numRuns: 200, seed: 45 },
    );
  });
});

describe('runDpSql through each wrapper makes the bare engine’s calls (review S45b, end to end)', () => {
  const schema = parseSqlSchema({
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
  });
  const QUERIES = [
    'SELECT COUNT(*) AS n FROM donors',
    'SELECT zip, COUNT(*) AS n FROM donors GROUP BY zip',
    'SELECT AVG(age) AS a FROM donors WHERE donated',
    'SELECT MEDIAN(age) AS m FROM donors',
  ];
  let duckdb: DuckDbEngine;
  beforeAll(async () => {
    duckdb = await DuckDbEngine.open({
      files: { donors: join(EXAMPLES, 'server/donors.csv') },
      columnTypes: { donors: { id: 'integer', age: 'integer', zip: 'string', donated: 'boolean' } },
    });
  });
  afterAll(async () => {
    await duckdb.close();
  });

  it('the same calls on the wrapped engine, the same outcome, and nothing charged when the preflight refuses (fast-check)', async () => {
    const run = async (engine: SqlEngine, sql: string, seed: number) => {
      const ledger = new MemoryLedger();
      const outcome = await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(seed) }).then(
        () => 'answered',
        (e: { code?: string }) => String(e.code),
      );
      return { outcome, charges: ledger.charges.length };
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(WRAPPERS)),
        fc.constantFrom(...QUERIES),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 31 }),
        async (name, sql, refuse, seed) => {
          const error = new DpError('INVALID_SCHEMA', 'refused by the preflight', { expected: 'a test' });
          const options = { rows: duckdb, ...(refuse ? { refuse: error } : {}) };
          const bareLog: string[] = [];
          const bare = await run(recorder(bareLog, options), sql, seed);
          const wrappedLog: string[] = [];
          const wrapped = await run((WRAPPERS[name] as (e: SqlEngine) => SqlEngine)(recorder(wrappedLog, options)), sql, seed);
          expect(bare).toEqual(refuse ? { outcome: 'INVALID_SCHEMA', charges: 0 } : { outcome: 'answered', charges: 1 });
          expect(wrapped).toEqual(bare);
          expect(wrappedLog).toEqual(bareLog);
          expect(bareLog.some((l) => l.startsWith('preflight '))).toBe(true);
        },
      ),
      { numRuns: 40, seed: 145 },
    );
  }, 120_000);
});
