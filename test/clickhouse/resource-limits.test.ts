/**
 * ClickHouse's `max_memory_usage` (issue 10, class 11/14; rule: src/sql/engines/resource-limits.ts): tsdp sends its
 * own limit with every statement, over the reader profile's (the test cluster's profile allows 4 GB); a statement
 * stopped by it after the charge stays charged and fails with the one ENGINE_ERROR naming the pinned limits, never
 * ClickHouse's text. Regression: an 8 MiB limit without spilling (below it even the catalog reads fail, before the charge) stops DP SQL over 300,000 units on 3 shards.
 * Generative (fast-check, seed 1413): over limits × accepted queries, an answer or exactly that error, charged once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { engineError } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { clickhouseLimitNames } from '../../src/sql/engines/clickhouse-http.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { adminExec, clickhouseAvailable, createSharded, type TestCluster, testCluster } from './cluster.js';

const DB = 'tsdp_resource_limits_test';
const PER_SHARD = 100_000;
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

const QUERIES = [
  'SELECT COUNT(*) AS n FROM big',
  'SELECT SUM(v) AS s FROM big',
  'SELECT AVG(v) AS m FROM big WHERE v > 2',
  'SELECT g, COUNT(*) AS n, SUM(v) AS s FROM big GROUP BY g',
] as const;

let cluster: TestCluster;

const open = (maxMemoryBytes: number) =>
  ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, cluster: 'tsdp', schema, maxMemoryBytes, spillBytes: 0 });

const expectedError = (maxMemoryBytes: number) =>
  engineError('clickhouse', clickhouseLimitNames({ maxMemoryBytes, spillBytes: 0 }, 60_000));

describe.skipIf(!clickhouseAvailable)('ClickHouse max_memory_usage pinned by tsdp', () => {
  beforeAll(async () => {
    cluster = testCluster();
    await createSharded(cluster.shards, DB, { big: 'id Int64, g Int64, v Int64' }, () => 'id');
    // Each shard holds the units the key `id` sends to it (shard i of 3: id % 3 = i).
    await Promise.all(
      cluster.shards.map((s, i) =>
        adminExec(
          s,
          `INSERT INTO ${DB}.big SELECT toInt64(number * 3 + ${i}) AS id, id % 4 AS g, id % 11 AS v FROM system.numbers LIMIT ${PER_SHARD}`,
        ),
      ),
    );
  }, 120_000);

  afterAll(async () => {
    if (cluster) await Promise.all(cluster.shards.map((s) => adminExec(s, `DROP DATABASE IF EXISTS ${DB}`)));
    cluster?.stop?.();
  });

  it('a query stopped by a tiny max_memory_usage stays charged and fails with the one ENGINE_ERROR naming the limits, no engine text', async () => {
    const engine = await open(8 * MiB);
    const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-ch-limits-')) });
    const err = await runDpSql({ sql: 'SELECT COUNT(*) AS n FROM big', schema, engine, ledger, epsilon: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENGINE_ERROR', message: expectedError(8 * MiB).message, details: { engine: 'clickhouse' } });
    expect((err as Error).message).toContain('max_memory_usage 8388608 bytes');
    expect((err as Error).message).not.toMatch(/DB::Exception|Memory limit|exceeded/i);
    expect(await ledger.entries('limits')).toHaveLength(1);
    await engine.close();
  }, 60_000);

  it('refuses a limit below 1 MiB or a negative spill size before connecting (INVALID_PARAMETER)', async () => {
    for (const bad of [0, 1000, Number.NaN, 1.5])
      await expect(ClickHouseEngine.open({ url: 'http://127.0.0.1:1', maxMemoryBytes: bad })).rejects.toMatchObject({
        code: 'INVALID_PARAMETER',
        details: { parameter: 'maxMemoryBytes' },
      });
    await expect(ClickHouseEngine.open({ url: 'http://127.0.0.1:1', spillBytes: -1 })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
      details: { parameter: 'spillBytes' },
    });
  });

  it('generative (fast-check, seed 1413): over max_memory_usage × queries, an answer or exactly the one ENGINE_ERROR, charged once either way', async () => {
    let stopped = 0;
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(8, 16, 32, 512), fc.constantFrom(...QUERIES), async (mib, sql) => {
        const engine = await open(mib * MiB);
        const ledger = new MemoryLedger();
        const r = await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(13) }).then(
          () => 'answered',
          (e: unknown) => e,
        );
        expect(ledger.charges).toHaveLength(1);
        if (r === 'answered') answered++;
        else {
          stopped++;
          expect(r).toMatchObject({ code: 'ENGINE_ERROR', message: expectedError(mib * MiB).message });
        }
        await engine.close();
      }),
      { numRuns: 10, seed: 1413 },
    );
    expect(stopped).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(0);
  }, 240_000);
});
