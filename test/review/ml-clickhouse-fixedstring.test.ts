/**
 * Review ML (reviewml, stop 17 session 4), finding M15 — class 11 "a public cause found after the charge" (S35's and
 * S40's class: S40 was S25c's blank-unit pattern failing on a LATIN1 PostgreSQL; this is the same pattern on a
 * ClickHouse type). Low-medium: no value leaks, but every DP query over a table whose privacy unit is a ClickHouse
 * `FixedString(N)` column is charged and then fails (ENGINE_ERROR), whatever the data — an analyst's budget drains
 * with no answer; text predicates on a FixedString column (LIKE, LOWER, UPPER) do the same.
 * Owner: trust (ClickHouse SQL: `src/sql/engines/clickhouse.ts` `catalogType`, `src/sql/dialects/clickhouse-*.ts`).
 *
 * Where: the catalog step accepts `FixedString(N)` for a declared `string` column (`catalogType` → `char(N)`), so
 * `checkPublicStructure` passes and the query is charged; then the compiled statement applies String-only functions
 * to it: the missing-unit rule `NOT match(assumeNotNull(u), BLANK_UNIT_PATTERN)` (S25c) and the dialect's `like`,
 * `lowerUTF8`, `upperUTF8`. ClickHouse refuses them at analysis ("Illegal type FixedString(4) of argument of function
 * match"), before reading a row: a type-level (public) failure, met after the charge.
 * Related (utility, not privacy): where FixedString does type-check, its values are NUL-padded ('ab' is 'ab\0\0'), so
 * `k = 'ab'`, `IN`, `TRIM`, `LENGTH` and declared categories never match a shorter value (answers 0, silently).
 *
 * Rule that would close the class: the catalog step refuses, before the charge, every stored type whose compiled
 * reads are not total for the dialect's functions — here FixedString for a declared text column (or the dialect reads
 * it as `toStringCutToZero(col)`, which also keeps the missing-unit rule: '' stored in a FixedString is N NUL bytes,
 * which `match` would otherwise keep as ONE pooled unit, S25's ×2); a generative test over stored types × the
 * dialect's text functions: charged ⇒ answered. Class-wide: a ClickHouse `preflight` (trust's S45 hook) running each
 * compiled statement as `SELECT * FROM (…) LIMIT 0` before the charge — on 18.16 that analyses without reading rows and
 * refuses FixedString's `match` even on an empty table (checked by hand).
 *
 * Own 1-shard ClickHouse server (scripts/clickhouse.sh; TSDP_CH_REVIEW_ML_FS_DIR/PORT choose it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { adminExec } from '../clickhouse/cluster.js';
import { MemoryLedger } from '../sql/fixtures.js';

const script = resolve(import.meta.dirname, '../../scripts/clickhouse.sh');
const installed = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server', '/usr/bin/clickhouse'].some(existsSync);
const dir = process.env.TSDP_CH_REVIEW_ML_FS_DIR ?? '/tmp/tsdp-ch-review-ml-fixedstring';
const port = Number(process.env.TSDP_CH_REVIEW_ML_FS_PORT ?? 18147);
const env = { ...process.env, TSDP_CH_DIR: dir, TSDP_CH_PORT: String(port), TSDP_CH_SHARDS: '1' };
const base = `http://127.0.0.1:${port}`;
const DB = 'tsdp_review_ml_fixedstring';

const table = (unitType: string) => ({
  privacyUnit: 'pid',
  maxPartitions: 1,
  maxContributionsPerPartition: 1,
  columns: {
    pid: { type: unitType },
    k: { type: 'string', categories: ['ab', 'cd'] },
    s: { type: 'string', categories: ['ab', 'cd'] },
  },
});
const schema = parseSqlSchema({
  dataset: 'ml_fixedstring',
  budget: { epsilon: 1000, delta: 1e-5 },
  tables: { by_int: table('integer'), by_fixed: table('string'), by_str: table('integer') },
});

let engine: ClickHouseEngine;

/** Runs `sql` with its own ledger: the error code (or 'answered') and the number of charges made. */
async function outcome(sql: string): Promise<{ result: string; charges: number }> {
  const ledger = new MemoryLedger();
  const result = await runDpSql({ sql, schema, engine, ledger, epsilon: 10 }).then(
    () => 'answered',
    (e: { code?: string }) => String(e.code),
  );
  return { result, charges: ledger.charges.length };
}

/** What the rule asks: a query is refused before the charge, or answered — never charged and then failed. */
function chargedOnlyIfAnswered(o: { result: string; charges: number }): void {
  if (o.charges > 0) expect(o.result).toBe('answered');
}

describe.skipIf(!installed)('review ML M15: a ClickHouse FixedString column is accepted, charged, then fails', () => {
  beforeAll(async () => {
    execFileSync('bash', [script, 'start'], { env, encoding: 'utf8' });
    await adminExec(base, `DROP DATABASE IF EXISTS ${DB}`);
    await adminExec(base, `CREATE DATABASE ${DB}`);
    await adminExec(base, `CREATE TABLE ${DB}.by_int (pid Int64, k FixedString(4), s String) ENGINE = MergeTree ORDER BY pid`);
    await adminExec(base, `CREATE TABLE ${DB}.by_fixed (pid FixedString(4), k FixedString(4), s String) ENGINE = MergeTree ORDER BY pid`);
    await adminExec(base, `CREATE TABLE ${DB}.by_str (pid Int64, k String, s String) ENGINE = MergeTree ORDER BY pid`);
    await adminExec(base, `INSERT INTO ${DB}.by_str VALUES (1, 'ab', 'ab'), (2, 'cd', 'cd')`);
    await adminExec(base, `INSERT INTO ${DB}.by_int VALUES (1, 'ab', 'ab'), (2, 'cd', 'cd')`);
    await adminExec(base, `INSERT INTO ${DB}.by_fixed VALUES ('p1', 'ab', 'ab'), ('p2', 'cd', 'cd')`);
    engine = await ClickHouseEngine.open({ url: base, database: DB, schema });
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    execFileSync('bash', [script, 'stop'], { env, stdio: 'ignore' });
  });

  // The lead moved the control to a table without FixedString columns (by_str): the fix (clickhouse.ts catalogType,
  // rule M15) refuses, before the charge, every table with a declared FixedString column — by_int's k included.
  it('held (control): the same queries over String columns and an integer unit are answered', async () => {
    for (const sql of [
      'SELECT s, COUNT(*) AS n FROM by_str GROUP BY s',
      "SELECT COUNT(*) AS n FROM by_str WHERE s LIKE 'a%'",
      "SELECT COUNT(*) AS n FROM by_str WHERE LOWER(s) = 'ab'",
    ]) {
      expect(await outcome(sql)).toEqual({ result: 'answered', charges: 1 });
    }
  }, 60_000);

  it('M15 (fixed: a declared FixedString column is refused INVALID_SCHEMA before the charge): every query over a table whose unit is FixedString(4) is charged, then ENGINE_ERROR (S25c’s match on a FixedString)', async () => {
    chargedOnlyIfAnswered(await outcome('SELECT s, COUNT(*) AS n FROM by_fixed GROUP BY s')); // main 4de1ec1: ENGINE_ERROR, 1 charge
  }, 60_000);

  it('M15 (class, fixed the same way): text predicates on a FixedString column are charged, then ENGINE_ERROR (LIKE, LOWER, UPPER)', async () => {
    for (const where of ["k LIKE 'a%'", "LOWER(k) = 'ab'", "UPPER(k) = 'AB'"]) {
      chargedOnlyIfAnswered(await outcome(`SELECT COUNT(*) AS n FROM by_int WHERE ${where}`));
    }
  }, 60_000);
});
