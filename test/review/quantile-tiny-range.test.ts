/**
 * Review S47 (session 9; class 3 "an engine error that depends on the data" — a membership oracle at any ε; also
 * class 4's "float grid" family): a quantile's histogram bin is computed in SQL as
 * `CAST(FLOOR((clamp(x) − L) · w) AS BIGINT)` with w = bins / (U − L) (`compile.ts` `rowBin`). The analyst chooses
 * the measure's expression, and so its derived bounds: `MEDIAN(x * 1e-308)` over a column declared on [0, 100] has
 * [L, U] = [0, 1e-306], so w = 256 / 1e-306 overflows to +∞ (and `flushBelow`'s 1e-300 / w is 0, so no flush). Every
 * row then computes FLOOR(0 · ∞) = NaN or FLOOR(+∞): the cast to BIGINT raises ("could not convert" / "bigint out of
 * range") on DuckDB and PostgreSQL — but only when a row reaches it. So `SELECT MEDIAN(x * 1e-308) … WHERE pid = 42`
 * is answered when person 42 is absent and ENGINE_ERROR (after the charge) when present: a membership oracle whatever
 * ε is charged. (QUANTILE and PERCENTILE_CONT alike; `x * 1e306`, whose range overflows the other way, is refused
 * before the charge by checkFiniteRelease.) ClickHouse (3 shards): `toInt64` does not raise, the bin comes back out of
 * range and the release throws INTERNAL after the charge — the same oracle.
 *
 * Rule that would close the class: a quantile grid is public — refuse, before the charge, bounds whose bin width
 * bins / (U − L) (and every product the bin expression forms) is not finite, or compute the bin in a form that cannot
 * overflow (`(x − L) / ((U − L) / bins)` with a width ≥ the smallest normal, or rescale the bounds); a generative test
 * over measure scales 10^k, k ∈ [−330, 310], with and without one row. Owner: trust (sql: compile.ts rowBin / quantile
 * grid).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { adminExec, clickhouseAvailable, createSharded, insertRows, type TestCluster, testCluster } from '../clickhouse/cluster.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from '../sql/postgres-url.js';

const schema = parseSqlSchema({
  dataset: 'review_tiny_quantile',
  budget: { epsilon: 1e6, delta: 1e-3 },
  tables: {
    m: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, x: { type: 'float', lower: 0, upper: 100 } },
    },
  },
});

/** The target (pid 42) is asked about; the other rows are never read by the query. */
const SQL = 'SELECT MEDIAN(x * 1e-308) AS m FROM m WHERE pid = 42';

async function outcome(engine: SqlEngine): Promise<string> {
  const ledger = new MemoryLedger();
  return runDpSql({ sql: SQL, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(5) }).then(
    () => `answered, charged ${ledger.charges.length}`,
    (e: { code?: string }) => `${e.code}, charged ${ledger.charges.length}`,
  );
}

describe('review S47: a quantile over a tiny derived range', () => {
  async function duck(withTarget: boolean): Promise<string> {
    const engine = await DuckDbEngine.open({ allowExternalAccess: true });
    try {
      await engine.connection.run('CREATE TABLE m (pid BIGINT, x DOUBLE)');
      await engine.connection.run('INSERT INTO m SELECT i, i % 7 FROM range(1, 41) r(i)');
      if (withTarget) await engine.connection.run('INSERT INTO m VALUES (42, 3.5)');
      return await outcome(engine);
    } finally {
      await engine.close();
    }
  }

  it('S47 (fixed: grid refused before the charge) (DuckDB): WHERE pid = 42 — answered without person 42, ENGINE_ERROR after the charge with them', async () => {
    expect(await duck(true)).toBe(await duck(false));
  }, 60_000);

  describe('PostgreSQL', () => {
    const DB = 'review_tiny_quantile_s47';
    let admin: pg.Client;
    let c: pg.Client;
    let engine: PostgresEngine;
    beforeAll(async () => {
      admin = new pg.Client({ connectionString: postgresTestUrl() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
      await admin.query(`CREATE DATABASE ${DB}`);
      c = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
      await c.connect();
      await c.query('CREATE TABLE m (pid bigint, x double precision); INSERT INTO m SELECT i, i % 7 FROM generate_series(1, 40) AS i');
      engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
    }, 60_000);
    afterAll(async () => {
      await engine?.close();
      await c?.end();
      await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
      await admin?.end();
    });

    it('S47 (fixed: grid refused before the charge) (PostgreSQL): WHERE pid = 42 — answered without person 42, ENGINE_ERROR after the charge with them', async () => {
      const without = await outcome(engine);
      await c.query('INSERT INTO m VALUES (42, 3.5)');
      try {
        expect(await outcome(engine)).toBe(without);
      } finally {
        await c.query('DELETE FROM m WHERE pid = 42');
      }
    }, 60_000);
  });

  describe.skipIf(!clickhouseAvailable)('ClickHouse (3 shards)', () => {
    const DB = `tsdp_review_s47_${process.pid}`;
    let cluster: TestCluster;
    let ch: ClickHouseEngine;
    beforeAll(async () => {
      // My own ports locally (TEAM.md: review has 18140–18145); CI's TSDP_TEST_CLICKHOUSE_URL wins when set.
      cluster = testCluster('/tmp/tsdp-ch-review', 18140);
      await createSharded(cluster.shards, DB, { m: 'pid Int64, x Float64' }, () => 'cityHash64(pid)');
      ch = await ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, cluster: 'tsdp', schema });
    }, 120_000);
    afterAll(async () => {
      await ch?.close();
      if (cluster) await Promise.all(cluster.shards.map((s) => adminExec(s, `DROP DATABASE IF EXISTS ${DB}`)));
      cluster?.stop?.();
    });

    async function chOutcome(withTarget: boolean): Promise<string> {
      await Promise.all(cluster.shards.map((s) => adminExec(s, `TRUNCATE TABLE ${DB}.m`)));
      const rows: (readonly [number, number])[] = Array.from({ length: 40 }, (_, i) => [i + 1, (i + 1) % 7] as const);
      if (withTarget) rows.push([42, 3.5]);
      await insertRows(cluster.shards[0] as string, `${DB}.m_all`, rows);
      return outcome(ch);
    }

    it('S47 (fixed: grid refused before the charge) (ClickHouse): WHERE pid = 42 — answered without person 42, INTERNAL after the charge with them', async () => {
      expect(await chOutcome(true)).toBe(await chOutcome(false));
    }, 120_000);
  });
});
