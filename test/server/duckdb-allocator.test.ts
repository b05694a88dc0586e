/**
 * The server's DuckDB allocator options (`src/server/duckdb-allocator.ts`): set when the environment has none, never
 * over an operator's own value (also the empty string, which asks for DuckDB's defaults); and the options string is
 * one jemalloc accepts (a child process that loads DuckDB with it runs a statement and prints no jemalloc warning).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DUCKDB_ALLOCATOR_ENV, DUCKDB_ALLOCATOR_OPTIONS, keepDuckdbPagesMapped } from '../../src/server/duckdb-allocator.js';

describe('keepDuckdbPagesMapped', () => {
  it('sets the options when the environment has none', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(keepDuckdbPagesMapped(env)).toBe(true);
    expect(env[DUCKDB_ALLOCATOR_ENV]).toBe('dirty_decay_ms:-1,muzzy_decay_ms:-1');
  });

  it.each(['', 'dirty_decay_ms:1000'])('keeps the operator’s own value %j', (value) => {
    const env: NodeJS.ProcessEnv = { [DUCKDB_ALLOCATOR_ENV]: value };
    expect(keepDuckdbPagesMapped(env)).toBe(false);
    expect(env[DUCKDB_ALLOCATOR_ENV]).toBe(value);
  });

  it('the options are accepted by DuckDB’s jemalloc: a process loading DuckDB with them answers and warns nothing', () => {
    const root = resolve(import.meta.dirname, '../..');
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `const { DuckDBInstance } = require('@duckdb/node-api');
         (async () => { const c = await (await DuckDBInstance.create(':memory:')).connect();
           console.log(String((await c.runAndReadAll('SELECT sum(i) FROM range(100000) t(i)')).getRowsJS()[0][0])); })();`,
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, [DUCKDB_ALLOCATOR_ENV]: DUCKDB_ALLOCATOR_OPTIONS }, timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('4999950000');
    expect(r.stderr).not.toMatch(/jemalloc|Invalid conf/i);
  });
});
