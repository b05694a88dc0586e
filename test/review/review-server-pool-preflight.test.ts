/**
 * Review stop 26 (review-server) of f2de0cb — "a preflight that can refuse nothing takes no engine". The skip is
 * sound only if every pool whose engines CAN refuse still runs the preflight. Class: DuckDB pools (1–3 connections,
 * as the server opens them: `reopen` given) over a declared CSV file, bare or under the exact-aggregate cache
 * (datasets.ts wraps the pool so), whose file is replaced by a version the view cannot read (a declared column gone)
 * after the pool opened. Rule: the query is refused with ENGINE_ERROR BEFORE the charge — the ledger records
 * nothing. A mutant `preflightChecks` that says false for such an engine moves the failure after the charge and
 * fails this test (tried: see test/review/NOTES-stop26-review-server.md). Deterministic: failure probability 0.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { EnginePool } from '../../src/server/engine-pool.js';
import { ExactAggregateCache } from '../../src/server/exact-aggregate-cache.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { loadSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples/server');
const columnTypes = { donors: { id: 'integer', age: 'integer', zip: 'string', donated: 'boolean' } } as const;

describe('review-server: the pool preflight of a file-backed DuckDB data set is never skipped', () => {
  it.each([
    [1, false],
    [2, false],
    [3, true],
    [2, true],
  ])(
    'pool of %i (exact-aggregate cache: %s): a replaced unreadable file is refused before the charge',
    async (size, cached) => {
      const dir = mkdtempSync(join(tmpdir(), 'tsdp-review-server-preflight-'));
      const csv = join(dir, 'donors.csv');
      copyFileSync(join(EXAMPLES, 'donors.csv'), csv);
      const open = () => DuckDbEngine.open({ files: { donors: csv }, columnTypes });
      const engines: SqlEngine[] = [];
      for (let i = 0; i < size; i++) engines.push(await open());
      const pool = new EnginePool(engines, { reopen: open });
      const engine: SqlEngine = cached ? new ExactAggregateCache(pool) : pool;
      const schema = loadSqlSchema(join(EXAMPLES, 'donors.schema.yaml'));
      const ledger = new FileLedger({ home: dir });
      const ask = (seed: number) =>
        runDpSql({ sql: 'SELECT COUNT(*) AS n FROM donors', schema, engine, ledger, epsilon: 0.5, rng: new SeededRandomSource(seed) });
      try {
        await ask(1); // a first answer: the pool works, one charge recorded
        expect(await ledger.entries(schema.dataset)).toHaveLength(1);
        // The operator's file replaced by one the view cannot read (the declared column "age" is gone).
        writeFileSync(csv, 'id,zip,donated\n1,02130,true\n2,02134,false\n');
        await expect(ask(2)).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
        // Refused before the charge: still one record.
        expect(await ledger.entries(schema.dataset)).toHaveLength(1);
      } finally {
        await engine.close();
      }
    },
    60_000,
  );
});
