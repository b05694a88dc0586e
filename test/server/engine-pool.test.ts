/**
 * The DuckDB engine pool (src/server/engine-pool.ts): statements of concurrent queries run at once, never two on
 * one connection (a deadline interrupts only its own statement), and the fixed catalog is read once.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EnginePool } from '../../src/server/engine-pool.js';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import type { EngineRow, SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { EXAMPLES } from './_server.js';

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
});
