/**
 * The catalog step of an in-memory DuckDB engine skips listing the function catalog (review S39's scan, 15–100 ms
 * per process) only while no one else holds the connection: a fresh in-memory database holds no user function, and
 * tsdp creates views only. Reading `engine.connection` hands it out, and the next catalog step lists the functions
 * again (`src/sql/engines/duckdb-catalog.ts`). Each case fails if the shortcut outlived the hand-out.
 */
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';

const SHADOW = 'CREATE MACRO lower(s) AS upper(s)';

async function catalogCode(engine: DuckDbEngine): Promise<string> {
  return engine.catalog(['t']).then(
    (m) => `columns:${[...(m.get('t')?.keys() ?? [])].sort().join(',')}`,
    (e: { code?: string }) => String(e.code),
  );
}

describe('DuckDB catalog step: the in-memory shortcut ends when the connection is handed out', () => {
  it('refuses a macro named like a built-in created through the connection before any catalog step', async () => {
    const engine = await DuckDbEngine.open({ allowExternalAccess: true });
    try {
      await engine.connection.run('CREATE TABLE t (pid BIGINT, name VARCHAR)');
      await engine.connection.run(SHADOW);
      expect(await catalogCode(engine)).toBe('INVALID_SCHEMA');
    } finally {
      await engine.close();
    }
  });

  it('refuses it when created after a catalog step that found none (the hand-out resets what was kept)', async () => {
    const engine = await DuckDbEngine.open({ allowExternalAccess: true });
    try {
      const c = engine.connection;
      await c.run('CREATE TABLE t (pid BIGINT, name VARCHAR)');
      expect(await catalogCode(engine)).toBe('columns:name,pid');
      await engine.connection.run(SHADOW);
      expect(await catalogCode(engine)).toBe('INVALID_SCHEMA');
    } finally {
      await engine.close();
    }
  });

  it('control: a macro with a name the compiled SQL never calls is kept', async () => {
    const engine = await DuckDbEngine.open({ allowExternalAccess: true });
    try {
      await engine.connection.run('CREATE TABLE t (pid BIGINT, name VARCHAR)');
      await engine.connection.run('CREATE MACRO my_normalise(s) AS lcase(s)');
      expect(await catalogCode(engine)).toBe('columns:name,pid');
    } finally {
      await engine.close();
    }
  });
});
