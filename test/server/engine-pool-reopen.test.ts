/**
 * The engine pool replaces a broken engine (src/server/engine-pool.ts, "A broken engine is replaced"; review's S55c
 * note): after an ENGINE_ERROR, an engine that fails the constant probe — as a DuckDB database invalidated by an
 * INTERNAL error fails every statement — is closed and reopened with the server's own open (its file checks run
 * again), so one bad statement cannot stop a data set; an engine that still answers is kept; a failed reopen keeps
 * the old engine and the pool never hangs.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EnginePool } from '../../src/server/engine-pool.js';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { type EngineRow, engineError, type SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { EXAMPLES } from './_server.js';

const statement = (sql: string): CompiledStatement => ({ sql, params: [] });

/** A fake DuckDB engine: 'kill' fails and invalidates it (every later statement fails, as DuckDB's), 'bad' only fails. */
function fakeEngine(log: { opened: number; closed: number; busy: Set<number> }): SqlEngine {
  const id = log.opened++;
  let invalid = false;
  let closed = false;
  return {
    dialect: duckdbDialect,
    async query(s: CompiledStatement): Promise<EngineRow[]> {
      expect(log.busy.has(id)).toBe(false); // one statement per engine
      log.busy.add(id);
      try {
        await new Promise<void>((r) => setImmediate(r));
        if (closed || invalid) throw engineError('duckdb');
        if (s.sql === 'kill') {
          invalid = true;
          throw engineError('duckdb');
        }
        if (s.sql === 'bad') throw engineError('duckdb');
        return [{ engine: id }];
      } finally {
        log.busy.delete(id);
      }
    },
    catalog: async () => new Map(),
    close: async () => {
      if (!closed) log.closed++;
      closed = true;
    },
  };
}

/** Settles when the pool has given every engine back (its recoveries done). */
async function settled(pool: EnginePool): Promise<void> {
  await Promise.all(Array.from({ length: pool.size }, () => pool.query(statement('ok')).catch(() => undefined)));
}

/** The first answer of `f` within three tries, each failure an ENGINE_ERROR (the old engine, while a recovery ran). */
async function eventually<T>(f: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (e) {
      expect((e as { code?: string }).code).toBe('ENGINE_ERROR');
      if (i === 2) throw e;
    }
  }
}

describe('EnginePool: a broken engine is replaced', () => {
  it('an invalidating statement fails alone; every later statement is answered (fast-check over sizes, orders, concurrency)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.array(fc.constantFrom('ok', 'bad', 'kill'), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        async (size, waves) => {
          const log = { opened: 0, closed: 0, busy: new Set<number>() };
          const pool = new EnginePool(
            Array.from({ length: size }, () => fakeEngine(log)),
            { reopen: async () => fakeEngine(log) },
          );
          let kills = 0;
          for (const wave of waves) {
            const out = await Promise.all(
              wave.map((s) =>
                pool.query(statement(s)).then(
                  () => 'answered',
                  (e: { code?: string }) => e.code,
                ),
              ),
            );
            // A broken engine is withheld until replaced, so no 'ok' statement ever meets one.
            expect(out).toEqual(wave.map((s) => (s === 'ok' ? 'answered' : 'ENGINE_ERROR')));
            kills += wave.filter((s) => s === 'kill').length;
            await settled(pool);
            // After the wave (its recoveries done), every engine answers again.
            const after = await Promise.all(Array.from({ length: size * 2 }, () => pool.query(statement('ok'))));
            expect(after).toHaveLength(size * 2);
          }
          await pool.close(); // waits for every engine, so every recovery has ended
          expect(pool.reopened).toBe(kills); // one reopen per invalidated engine; 'bad' kept its engine
          expect(log.opened).toBe(size + kills);
          expect(log.closed).toBe(log.opened);
        },
      ),
      { numRuns: 60, seed: 1907 },
    );
  });

  it('a reopen that fails keeps the old engine (failing as before, never hanging); the next failure tries again', async () => {
    const log = { opened: 0, closed: 0, busy: new Set<number>() };
    let canOpen = false;
    const pool = new EnginePool([fakeEngine(log)], {
      reopen: async () => {
        if (!canOpen) throw engineError('duckdb');
        return fakeEngine(log);
      },
    });
    await expect(pool.query(statement('kill'))).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    await expect(pool.query(statement('ok'))).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    expect(pool.reopened).toBe(0);
    canOpen = true;
    // The recovery started by the last failure may already have tried its reopen: at most one more failure.
    expect(await eventually(() => pool.query(statement('ok')))).toEqual([{ engine: 1 }]);
    expect(pool.reopened).toBe(1);
    await pool.close();
    expect(log.closed).toBe(2);
  });

  it('without reopen (PostgreSQL, ClickHouse, direct pools) nothing changes', async () => {
    const log = { opened: 0, closed: 0, busy: new Set<number>() };
    const pool = new EnginePool([fakeEngine(log)]);
    await expect(pool.query(statement('kill'))).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    await expect(pool.query(statement('ok'))).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    expect(pool.reopened).toBe(0);
  });

  it('DuckDB: a dead engine is reopened with its file checks run again; a file now missing keeps it dead until it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-reopen-'));
    const csv = join(dir, 'donors.csv');
    copyFileSync(join(EXAMPLES, 'server/donors.csv'), csv);
    const open = () =>
      DuckDbEngine.open({
        files: { donors: csv },
        columnTypes: { donors: { id: 'integer', age: 'integer', zip: 'string', donated: 'boolean' } },
        statementTimeoutMs: 10_000,
      });
    const first = await open();
    const pool = new EnginePool([first], { reopen: open });
    const count = () => pool.query(statement('SELECT COUNT(*) AS n FROM donors')).then((r) => Number(r[0]?.n));
    try {
      expect(await count()).toBe(400);
      await first.close(); // dead behind the pool's back, as an invalidated database: every statement fails
      rmSync(csv); // and its file gone: the reopen's open-time checks refuse it
      await expect(count()).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
      await expect(count()).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
      expect(pool.reopened).toBe(0);
      copyFileSync(join(EXAMPLES, 'server/donors.csv'), csv);
      expect(await eventually(count)).toBe(400); // the recovery in flight may have tried while the file was gone
      expect(pool.reopened).toBe(1);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
