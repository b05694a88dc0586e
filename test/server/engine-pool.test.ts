/**
 * The DuckDB engine pool (src/server/engine-pool.ts): statements of concurrent queries run at once, never two on
 * one connection (a deadline interrupts only its own statement), and the fixed catalog is read once.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultDuckdbThreads, openDataset } from '../../src/server/datasets.js';
import { EnginePool } from '../../src/server/engine-pool.js';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import type { EngineRow, SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { EXAMPLES, stateDir, testConfig } from './_server.js';

const statement = (sql: string): CompiledStatement => ({ sql, params: [] });

describe('EnginePool', () => {
  it('never runs two statements on one engine, runs up to its size at once, and answers every statement (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 30 }),
        async (size, ticks) => {
          let running = 0;
          let most = 0;
          const engines: SqlEngine[] = Array.from({ length: size }, (_, id) => {
            let busy = false;
            return {
              dialect: duckdbDialect,
              async query(s: CompiledStatement): Promise<EngineRow[]> {
                expect(busy).toBe(false);
                busy = true;
                running++;
                most = Math.max(most, running);
                for (let i = 0; i < Number(s.sql); i++) await new Promise<void>((r) => setImmediate(r));
                running--;
                busy = false;
                return [{ engine: id }];
              },
              catalog: async () => new Map(),
              close: async () => {},
            };
          });
          const pool = new EnginePool(engines);
          const rows = await Promise.all(ticks.map((t) => pool.query(statement(String(t)))));
          expect(rows).toHaveLength(ticks.length);
          expect(most).toBeLessThanOrEqual(size);
          expect(most).toBe(Math.min(size, ticks.length));
          await pool.close();
          await expect(pool.query(statement('0'))).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
        },
      ),
      { numRuns: 50, seed: 15 },
    );
  });

  it('a statement past its deadline fails alone: the other connections’ statements are answered', async () => {
    const open = () =>
      DuckDbEngine.open({
        files: { donors: join(EXAMPLES, 'server/donors.csv') },
        columnTypes: { donors: { id: 'integer', age: 'integer', zip: 'string', donated: 'boolean' } },
        statementTimeoutMs: 3000,
      });
    const pool = new EnginePool([await open(), await open()]);
    try {
      const slow = pool.query(statement('SELECT COUNT(*) AS n FROM range(100000000000) a')).then(
        () => 'answered',
        (e: { code?: string }) => e.code,
      );
      const quick = [];
      for (let i = 0; i < 5; i++) quick.push(await pool.query(statement('SELECT COUNT(*) AS n FROM donors')));
      expect(await slow).toBe('ENGINE_ERROR');
      expect(quick.map((r) => Number(r[0]?.n))).toEqual([400, 400, 400, 400, 400]);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('reads the catalog once per set of tables, and not a failed read', async () => {
    let reads = 0;
    let fail = true;
    const engine: SqlEngine = {
      dialect: duckdbDialect,
      query: async () => [],
      catalog: async (tables) => {
        reads++;
        if (fail) throw new Error('down');
        return new Map(tables.map((t) => [t, new Map([['x', 'bigint']])]));
      },
      close: async () => {},
    };
    const pool = new EnginePool([engine]);
    await expect(pool.catalog(['t'])).rejects.toThrow();
    fail = false;
    const a = await pool.catalog(['t', 'u']);
    const b = await pool.catalog(['u', 't']);
    expect(b).toBe(a);
    expect(reads).toBe(2);
  });

  it('shares the cores out among the connections when no thread count is configured (at least one each)', () => {
    expect(defaultDuckdbThreads(2, 2)).toBe(1);
    expect(defaultDuckdbThreads(1, 8)).toBe(8);
    expect(defaultDuckdbThreads(3, 8)).toBe(2);
    expect(defaultDuckdbThreads(4, 2)).toBe(1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 256 }), (connections, cores) => {
        const t = defaultDuckdbThreads(connections, cores);
        expect(t).toBeGreaterThanOrEqual(1);
        expect(connections * t <= cores || t === 1).toBe(true);
      }),
    );
  });

  it('opens each DuckDB connection of a data set with the default thread count, or the configured one', async () => {
    const donors = testConfig(stateDir()).datasets.get('donors');
    if (!donors) throw new Error('no donors data set');
    const threads = async (configured?: number) => {
      const d = await openDataset(donors, 10_000, 2, configured);
      try {
        const rows = await Promise.all([1, 2].map(() => d.engine.query(statement("SELECT current_setting('threads') AS t"))));
        return rows.map((r) => Number(r[0]?.t));
      } finally {
        await d.engine.close();
      }
    };
    expect(await threads()).toEqual([defaultDuckdbThreads(2), defaultDuckdbThreads(2)]);
    expect(await threads(3)).toEqual([3, 3]);
  }, 60_000);

  // Stop 26 (issue 15): a preflight that can refuse nothing takes no engine — taking one queued every query twice
  // behind the pool's statements. Class: pools of 1–4 engines of one kind (a pool's engines are opened from one
  // configuration) with a preflight that checks (`preflightChecks` true or not stated), one that checks nothing
  // (`preflightChecks` false), or none; with every engine busy. Rule: the
  // pool runs an engine's preflight iff some engine's can refuse, and a pool whose preflight can refuse nothing
  // settles while every engine is held; a closed pool refuses the preflight (before any charge) either way.
  it('takes an engine for the preflight only when a preflight can refuse, and refuses once closed (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('checks', 'unstated', 'nothing', 'none'), fc.integer({ min: 1, max: 4 }), async (kind, size) => {
        const kinds = Array.from({ length: size }, () => kind);
        const preflights: number[] = [];
        let release = () => {};
        const held = new Promise<void>((r) => {
          release = r;
        });
        const engines: SqlEngine[] = kinds.map((_, id) => ({
          dialect: duckdbDialect,
          query: async () => {
            await held;
            return [];
          },
          catalog: async () => new Map(),
          close: async () => {},
          ...(kind === 'none'
            ? {}
            : {
                preflight: async () => {
                  preflights.push(id);
                },
              }),
          ...(kind === 'checks' ? { preflightChecks: true } : kind === 'nothing' ? { preflightChecks: false } : {}),
        }));
        const pool = new EnginePool(engines);
        const checks = kind === 'checks' || kind === 'unstated';
        // Every engine held by a statement: a preflight that takes one waits for it.
        const statements = kinds.map(() => pool.query(statement('x')));
        let settled = false;
        const pre = pool.preflight([statement('x')]).then(() => {
          settled = true;
        });
        for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
        expect(settled).toBe(!checks);
        release();
        await Promise.all([pre, ...statements]);
        expect(preflights.length).toBe(checks ? 1 : 0);
        await pool.close();
        await expect(pool.preflight([statement('x')])).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
      }),
      { numRuns: 60, seed: 26 },
    );
  });

  it('a DuckDB engine without declared files (a database file, or in memory) says its preflight checks nothing; one over declared files says it checks', async () => {
    const files = await DuckDbEngine.open({
      files: { donors: join(EXAMPLES, 'server/donors.csv') },
      columnTypes: { donors: { id: 'integer', age: 'integer', zip: 'string', donated: 'boolean' } },
    });
    const memory = await DuckDbEngine.open({});
    try {
      expect(files.preflightChecks).toBe(true);
      expect(memory.preflightChecks).toBe(false);
    } finally {
      await files.close();
      await memory.close();
    }
  }, 60_000);
});
