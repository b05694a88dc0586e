/**
 * Engine resource limits (issue 10, class 11/14; rule: src/sql/engines/resource-limits.ts). A statement that needs
 * more memory or temporary space than its engine allows is stopped after the charge — whether depends on the data's
 * size, as the deadline does. Rule: the charge is kept; the failure is the one ENGINE_ERROR, the same message for
 * every cause, naming the engine and its pinned limits, never the engine's text or a value; the limits are tsdp's
 * options, pinned over any role, database or profile setting, validated before anything is opened or charged.
 *
 * Regression per engine: a tiny limit (DuckDB `memory_limit` with no spilling; PostgreSQL `work_mem` and
 * `temp_file_limit`) stops DP SQL over 600,000 units after the charge. Generative (fast-check): over limits ×
 * accepted queries, every outcome is an answer or exactly that one error, and the query is charged once either
 * way. ClickHouse: test/clickhouse/resource-limits.test.ts.
 */
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { engineError } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { duckdbLimits } from '../../src/sql/engines/resource-limits.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from './postgres-url.js';

const ROWS = 600_000;
const MiB = 1 << 20;

const schema = parseSqlSchema({
  dataset: 'limits',
  budget: { epsilon: 1e6 },
  tables: {
    big: {
      privacyUnit: 'id',
      maxPartitions: 1,
      columns: {
        id: { type: 'integer' },
        g: { type: 'integer', categories: [0, 1, 2, 3] },
        v: { type: 'integer', lower: 0, upper: 10 },
      },
    },
  },
});

/** Accepted queries of several shapes (counts, sums, means, declared groups, filters). */
const QUERIES = [
  'SELECT COUNT(*) AS n FROM big',
  'SELECT SUM(v) AS s FROM big',
  'SELECT AVG(v) AS m FROM big WHERE v > 2',
  'SELECT g, COUNT(*) AS n, SUM(v) AS s FROM big GROUP BY g',
] as const;

/** Words of engine messages that must never reach the analyst. */
const ENGINE_WORDS = /out of memory|temporary file|temp_file_limit exceeds|could not allocate|pin block|exceeds|DB::Exception/i;

/** Runs `sql` once and returns its outcome: 'answered' or the error. */
async function outcome(engine: DuckDbEngine | PostgresEngine, sql: string, ledger: MemoryLedger | FileLedger): Promise<unknown> {
  return runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(10) }).then(
    () => 'answered',
    (e: unknown) => e,
  );
}

describe('DuckDB memory_limit', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsdp-limits-'));
    const w = await DuckDbEngine.open({ allowExternalAccess: true });
    await w.connection.run(
      `COPY (SELECT range AS id, CAST(range % 4 AS BIGINT) AS g, CAST(range % 11 AS BIGINT) AS v FROM range(${ROWS})) TO '${dir}/big.parquet' (FORMAT parquet)`,
    );
    await w.close();
  }, 60_000);

  const open = (memoryLimitBytes: number, tempDirectory: string | null | undefined = null) =>
    DuckDbEngine.open({
      files: { big: join(dir, 'big.parquet') },
      columnTypes: { big: { id: 'integer', g: 'integer', v: 'integer' } },
      memoryLimitBytes,
      ...(tempDirectory === undefined ? {} : { tempDirectory }),
      threads: 1,
    });

  it('a query stopped by a tiny memory_limit stays charged (one journal entry) and fails with the one ENGINE_ERROR naming the limits, no engine text', async () => {
    const engine = await open(4 * MiB);
    try {
      const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-limits-ledger-')) });
      const err = await outcome(engine, 'SELECT COUNT(*) AS n FROM big', ledger);
      const expected = engineError('duckdb', duckdbLimits({ memoryLimitBytes: 4 * MiB, tempDirectory: null }, 60_000).limits);
      expect(err).toMatchObject({ code: 'ENGINE_ERROR', message: expected.message, details: { engine: 'duckdb' } });
      expect((err as Error).message).toContain('memory_limit 4194304 bytes');
      expect((err as Error).message).not.toMatch(ENGINE_WORDS);
      expect(await ledger.entries('limits')).toHaveLength(1);
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('the same limit with spilling (a private temporary directory, removed at close) answers; nothing is written to the working directory', async () => {
    const before = readdirSync(process.cwd());
    const spill = mkdtempSync(join(tmpdir(), 'tsdp-limits-spill-'));
    const engine = await open(32 * MiB, join(spill, 'd'));
    try {
      await expect(outcome(engine, 'SELECT COUNT(*) AS n FROM big', new MemoryLedger())).resolves.toBe('answered');
    } finally {
      await engine.close();
    }
    expect(readdirSync(process.cwd())).toEqual(before);
  }, 60_000);

  it('spill directory (review M17): tsdp creates its own owner-only (0700) before DuckDB can, removes it at close, and removes one a dead process left', async () => {
    const stale = mkdtempSync(join(tmpdir(), `tsdp-duckdb-${2 ** 22 + 12345}-`)); // above the usual pid_max: no such process
    const engine = await DuckDbEngine.open({ memoryLimitBytes: 32 * MiB });
    const own = (engine as unknown as { pinned: { ownTempDirectory: string } }).pinned.ownTempDirectory;
    expect(statSync(own).mode & 0o777).toBe(0o700);
    expect(existsSync(stale)).toBe(false);
    await engine.close();
    expect(existsSync(own)).toBe(false);
  });

  it('refuses a limit that is not a safe integer of at least 1 MiB, or a bad directory, before opening (INVALID_PARAMETER)', async () => {
    for (const bad of [0, -1, 1000, 0.5 * MiB, MiB + 0.5, Number.NaN, Number.POSITIVE_INFINITY, '8MB', 2 ** 60]) {
      await expect(DuckDbEngine.open({ memoryLimitBytes: bad as number })).rejects.toMatchObject({
        code: 'INVALID_PARAMETER',
        details: { parameter: 'memoryLimitBytes' },
      });
    }
    await expect(DuckDbEngine.open({ maxTempBytes: 5 })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
    await expect(DuckDbEngine.open({ tempDirectory: '' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
  });

  it('generative (fast-check, seed 1411): over memory limits × queries, an answer or exactly the one ENGINE_ERROR, charged once either way', async () => {
    let stopped = 0;
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(4, 8, 16, 24, 48, 128), fc.constantFrom(...QUERIES), async (mib, sql) => {
        const engine = await open(mib * MiB);
        try {
          const ledger = new MemoryLedger();
          const r = await outcome(engine, sql, ledger);
          expect(ledger.charges).toHaveLength(1);
          if (r === 'answered') answered++;
          else {
            stopped++;
            const expected = engineError('duckdb', duckdbLimits({ memoryLimitBytes: mib * MiB, tempDirectory: null }, 60_000).limits);
            expect(r).toMatchObject({ code: 'ENGINE_ERROR', message: expected.message });
          }
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 14, seed: 1411 },
    );
    // The property explored both outcomes (otherwise it would not test the rule).
    expect(stopped).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(0);
  }, 240_000);
});

describe('PostgreSQL work_mem and temp_file_limit', () => {
  const DB = 'tsdp_resource_limits';
  let url: string;
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB} ENCODING 'UTF8' TEMPLATE template0`);
    await admin.end();
    url = postgresTestUrlFor(DB);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(
      `CREATE TABLE big AS SELECT i::bigint AS id, (i % 4)::bigint AS g, (i % 11)::bigint AS v FROM generate_series(0, ${ROWS - 1}) i`,
    );
    // A hostile database default: tsdp pins work_mem over it.
    await c.query(`ALTER DATABASE ${DB} SET work_mem = '2GB'`);
    await c.end();
  }, 120_000);

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => {});
    await admin.end();
  });

  it('a query stopped by a tiny temp_file_limit stays charged and fails with the one ENGINE_ERROR naming the limits, no engine text', async () => {
    const engine = await PostgresEngine.open({ connectionString: url, workMemKb: 64, tempFileLimitKb: 64 });
    try {
      expect(engine.limits).toEqual({ statement_timeout: '60000 ms', work_mem: '64 kB', temp_file_limit: '64 kB' });
      const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-limits-ledger-')) });
      const err = await outcome(engine, 'SELECT COUNT(*) AS n FROM big', ledger);
      expect(err).toMatchObject({ code: 'ENGINE_ERROR', message: engineError('postgres', engine.limits).message });
      expect((err as Error).message).not.toMatch(ENGINE_WORDS);
      expect(await ledger.entries('limits')).toHaveLength(1);
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('without tempFileLimitKb the server value is named; a role that cannot set temp_file_limit is refused at open (INVALID_PARAMETER)', async () => {
    const engine = await PostgresEngine.open({ connectionString: url });
    try {
      expect(engine.limits).toEqual({ statement_timeout: '60000 ms', work_mem: '65536 kB', temp_file_limit: "none (the server's)" });
    } finally {
      await engine.close();
    }
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('DROP ROLE IF EXISTS tsdp_limits_plain');
    await c.query("CREATE ROLE tsdp_limits_plain LOGIN PASSWORD 'x'");
    await c.end();
    const u = new URL(url);
    u.username = 'tsdp_limits_plain';
    u.password = 'x';
    try {
      await expect(PostgresEngine.open({ connectionString: u.toString(), tempFileLimitKb: 1024 })).rejects.toMatchObject({
        code: 'INVALID_PARAMETER',
        details: { parameter: 'tempFileLimitKb' },
      });
      const plain = await PostgresEngine.open({ connectionString: u.toString(), workMemKb: 1024 });
      await plain.close();
    } finally {
      const d = new pg.Client({ connectionString: url });
      await d.connect();
      await d.query('DROP ROLE IF EXISTS tsdp_limits_plain');
      await d.end();
    }
    for (const bad of [0, 63, 1.5, Number.NaN, '64'])
      await expect(PostgresEngine.open({ connectionString: url, workMemKb: bad as number })).rejects.toMatchObject({
        code: 'INVALID_PARAMETER',
      });
  }, 60_000);

  it('generative (fast-check, seed 1412): over temp_file_limit × queries, an answer or exactly the one ENGINE_ERROR, charged once either way', async () => {
    let stopped = 0;
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(64, 256, 1024, 1 << 20), fc.constantFrom(...QUERIES), async (kb, sql) => {
        const engine = await PostgresEngine.open({ connectionString: url, workMemKb: 64, tempFileLimitKb: kb });
        try {
          const ledger = new MemoryLedger();
          const r = await outcome(engine, sql, ledger);
          expect(ledger.charges).toHaveLength(1);
          if (r === 'answered') answered++;
          else {
            stopped++;
            expect(r).toMatchObject({ code: 'ENGINE_ERROR', message: engineError('postgres', engine.limits).message });
          }
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 10, seed: 1412 },
    );
    expect(stopped).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(0);
  }, 300_000);
});
