/**
 * Review M11 (class 1 "stability understated"; class 3 "answered depends on a row"): every setting tsdp does not
 * send comes from the connecting user's profile. With `max_rows_to_group_by = 10, group_by_overflow_mode = 'any'`
 * (ClickHouse's approximate GROUP BY) one more person read first took another person's slot in the per-(unit, key)
 * pre-aggregate: COUNT(*) … GROUP BY k moved by 2 with P·C = 1. Rule (src/sql/engines/clickhouse-settings.ts):
 * statements pin every overflow mode to 'throw' (clickhouse-http.ts PINNED_SETTINGS), and before the charge a
 * reader whose changed settings fall outside an allow-list of settings that change only whether or how fast a
 * statement runs is refused INVALID_PARAMETER. A private one-server ClickHouse (scripts/clickhouse.sh, HTTP 18129)
 * with one user per profile.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { adminExec } from './cluster.js';

const script = resolve(import.meta.dirname, '../../scripts/clickhouse.sh');
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const installed = inCi || ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server', '/usr/bin/clickhouse'].some(existsSync);
const dir = process.env.TSDP_CH_SETTINGS_TEST_DIR ?? '/tmp/tsdp-ch-settings-test';
const port = Number(process.env.TSDP_CH_SETTINGS_TEST_PORT ?? 18129);
const base = `http://127.0.0.1:${port}`;
const DB = 'tsdp_reader_settings_test';

/** Reader profiles: settings (name → value) beside `readonly = 2`; `refused` when the rule must refuse the reader. */
const PROFILES = [
  {
    name: 'approximate GROUP BY (the review)',
    refused: true,
    settings: { max_rows_to_group_by: '10', group_by_overflow_mode: 'any', max_block_size: '10', max_threads: '1' },
  },
  { name: 'reads cut short', refused: true, settings: { max_rows_to_read: '60', read_overflow_mode: 'break' } },
  { name: 'a row limit that throws', refused: true, settings: { max_rows_to_read: '100' } },
  { name: 'results cut short', refused: true, settings: { max_result_rows: '1', result_overflow_mode: 'break' } },
  {
    name: 'a deadline that returns a partial answer (pinned to throw by every statement)',
    refused: false,
    settings: { timeout_overflow_mode: 'break' },
  },
  { name: 'LEFT JOIN semantics', refused: true, settings: { join_use_nulls: '1' } },
  { name: 'unreachable shards skipped (pinned to 0 by every statement)', refused: false, settings: { skip_unavailable_shards: '1' } },
  { name: 'threads and blocks', refused: false, settings: { max_threads: '1', max_block_size: '10' } },
  { name: 'memory and logging', refused: false, settings: { max_memory_usage: '3000000000', log_queries: '1' } },
  { name: 'nothing else', refused: false, settings: {} },
] as const;

const xml = (settings: Readonly<Record<string, string>>) =>
  Object.entries(settings)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join('');

const schema = parseSqlSchema({
  dataset: 'reader_settings',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, k: { type: 'string', categories: ['a', 'b'] } },
    },
  },
});
const SQL = 'SELECT k, COUNT(*) AS n FROM t GROUP BY k';
const env = {
  ...process.env,
  TSDP_CH_DIR: dir,
  TSDP_CH_PORT: String(port),
  TSDP_CH_SHARDS: '1',
  TSDP_CH_EXTRA_PROFILES: PROFILES.map((p, i) => `<p${i}><readonly>2</readonly>${xml(p.settings)}</p${i}>`).join(''),
  TSDP_CH_EXTRA_USERS: PROFILES.map(
    (_, i) => `<u${i}><password></password><networks><ip>127.0.0.1</ip></networks><profile>p${i}</profile><quota>default</quota></u${i}>`,
  ).join(''),
};

/** 100 people (0…99, alternately in 'a' and 'b'), and `extra` (one more person) when given; one part, ordered by pid. */
async function load(extra: readonly [number, 'a' | 'b'] | null): Promise<void> {
  await adminExec(base, `TRUNCATE TABLE ${DB}.t`);
  const more = extra ? ` UNION ALL SELECT toInt64(${extra[0]}), '${extra[1]}'` : '';
  await adminExec(
    base,
    `INSERT INTO ${DB}.t SELECT * FROM (SELECT toInt64(number) AS pid, if(number % 2 = 0, 'a', 'b') AS k FROM numbers(100)${more})`,
  );
  await adminExec(base, `OPTIMIZE TABLE ${DB}.t FINAL`);
}

/** 'answered' or the error code of the DP query as user `u<i>`, the charges, and the message. */
async function outcome(i: number): Promise<{ result: string; charged: number; message: string }> {
  const ledger = new MemoryLedger();
  let message = '';
  const engine = await ClickHouseEngine.open({ url: base, database: DB, user: `u${i}`, schema });
  const result = await runDpSql({ sql: SQL, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(3) }).then(
    () => 'answered',
    (e: { code?: string; message?: string }) => {
      message = String(e.message);
      return String(e.code);
    },
  );
  await engine.close();
  return { result, charged: ledger.charges.length, message };
}

describe.skipIf(!installed)('ClickHouse: the reader profile cannot change what a statement computes (review M11)', () => {
  beforeAll(async () => {
    execFileSync('bash', [script, 'stop'], { env, stdio: 'ignore' });
    execFileSync('bash', [script, 'start'], { env, stdio: 'ignore' });
    await adminExec(base, `CREATE DATABASE IF NOT EXISTS ${DB}`);
    await adminExec(base, `CREATE TABLE IF NOT EXISTS ${DB}.t (pid Int64, k String) ENGINE = MergeTree ORDER BY pid`);
  }, 120_000);
  afterAll(() => {
    execFileSync('bash', [script, 'stop'], { env, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.lock`, { force: true });
  });

  it("regression: the review's approximate-GROUP-BY profile is refused before the charge (INVALID_PARAMETER naming the setting, nothing charged), with or without the person read first", async () => {
    for (const extra of [null, [-1, 'a'] as const]) {
      await load(extra);
      const o = await outcome(0);
      expect({ result: o.result, charged: o.charged }).toEqual({ result: 'INVALID_PARAMETER', charged: 0 });
      expect(o.message).toMatch(/"(group_by_overflow_mode|max_rows_to_group_by|max_block_size)"/);
    }
  }, 60_000);

  it('statements pin the overflow modes: past the catalog, the approximate GROUP BY fails with the one ENGINE_ERROR instead of answering on a subset', async () => {
    await load([-1, 'a']);
    const engine = await ClickHouseEngine.open({ url: base, database: DB, user: 'u0', schema });
    const statement = compileDpQuery(planDpQuery(SQL, schema), engine.dialect, 5n, schema).main;
    await expect(engine.query(statement)).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    const neutral = await ClickHouseEngine.open({ url: base, database: DB, user: 'u7', schema });
    const rows = await neutral.query(statement);
    expect(rows.map((r) => [r.tsdp_k0, r.tsdp_units]).sort()).toEqual([
      ['a', 51n],
      ['b', 50n],
    ]);
  }, 60_000);

  it('generative (fast-check, seed 1111): for a profile and one more person (any unit, any group), that person never changes answered/refused or the charge; only the allow-listed profiles are answered', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: PROFILES.length - 1 }),
        fc.integer({ min: -5, max: 200 }),
        fc.constantFrom('a' as const, 'b' as const),
        async (i, pid, k) => {
          await load(null);
          const without = await outcome(i);
          await load([pid, k]);
          const withPerson = await outcome(i);
          expect({ i, ...withPerson, message: '' }).toEqual({ i, ...without, message: '' });
          expect(without.result).toBe(PROFILES[i]?.refused ? 'INVALID_PARAMETER' : 'answered');
          expect(without.charged).toBe(without.result === 'answered' ? 1 : 0);
        },
      ),
      { numRuns: 30, seed: 1111 },
    );
  }, 180_000);
});
