/**
 * Review S10 (issue 10, class 1/2 family: sensitivity understated; owner clickhouse).
 *
 * On a ClickHouse cluster, per-shard contribution bounding is exact only when all of a unit's rows are on one
 * shard. `ClickHouseEngine.catalog` checks this before the charge with `shardsByUnit(key, unit)`, which accepts
 * any one-argument function chain of the unit column — `rand(pid)` included — and with `some(...)`, so one
 * well-sharded Distributed table is enough even when another Distributed table over the same local table shards
 * at random. `rand(x)` ignores its argument (ClickHouse: "the argument is ignored"), so rows inserted through it
 * spread one person over every shard; each shard then keeps up to C rows of that person, and the released COUNT
 * moves by (number of shards)·C against a declared sensitivity of C.
 *
 * The test uses a private 2-shard cluster (scripts/clickhouse.sh, HTTP 18129–18130, TCP 18139–18140; skipped when
 * clickhouse-server is not installed). Statistical failure probability: the 40 rows of the target unit land on one
 * shard with probability 2·2⁻⁴⁰ < 1e-11; the Laplace noise at ε = 1000 (grid-rounded count) is nonzero with
 * probability < 1e-100. Overall ≤ 1e-6.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { ClickHouseEngine, shardsByUnit } from '../../src/sql/engines/clickhouse.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const available = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server', '/usr/bin/clickhouse'].some(existsSync);
const script = resolve(import.meta.dirname, '../../scripts/clickhouse.sh');
const env = { ...process.env, TSDP_CH_DIR: '/tmp/tsdp-review-ch', TSDP_CH_PORT: '18129', TSDP_CH_SHARDS: '2' };
const SHARDS = ['http://127.0.0.1:18129', 'http://127.0.0.1:18130'];
const DB = 'review_s10';

async function exec(base: string, sql: string, settings: Record<string, string> = {}): Promise<string> {
  const u = new URL(base);
  for (const [k, v] of Object.entries(settings)) u.searchParams.set(k, v);
  const { status, text } = await new Promise<{ status: number; text: string }>((done, fail) => {
    const req = httpRequest(u, { method: 'POST', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(sql);
  });
  if (status !== 200) throw new Error(`ClickHouse: ${text.slice(0, 300)}`);
  return text;
}

const schema = parseSqlSchema({
  dataset: 'review_s10',
  budget: { epsilon: 100000, delta: 1e-6 },
  tables: {
    // Distributed rand(pid): a function "of the unit alone" by its text, random in fact.
    people: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, g: { type: 'string' } },
    },
    // Two Distributed tables over it: people2_all (cityHash64(pid), never used) and people2_rnd (rand(), used to load).
    people2: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, g: { type: 'string' } },
    },
  },
});

/** 50 units of one row, and (when `target`) unit 999 with 40 rows. */
function rows(target: boolean): string {
  const r: string[] = [];
  for (let p = 1; p <= 50; p++) r.push(`(${p}, 'a')`);
  if (target) for (let k = 0; k < 40; k++) r.push(`(999, 'a')`);
  return r.join(', ');
}

let started = false;

describe.skipIf(!available)('review S10: ClickHouse sharding check accepts keys that spread a unit over shards', () => {
  beforeAll(async () => {
    execFileSync('bash', [script, 'start'], { env, encoding: 'utf8' });
    started = true;
    for (const s of SHARDS) {
      await exec(s, `DROP DATABASE IF EXISTS ${DB}`);
      await exec(s, `CREATE DATABASE ${DB}`);
      for (const t of ['people', 'people2']) {
        await exec(s, `CREATE TABLE ${DB}.${t} (pid Int64, g String) ENGINE = MergeTree ORDER BY tuple()`);
      }
      await exec(s, `CREATE TABLE ${DB}.people_all AS ${DB}.people ENGINE = Distributed(tsdp, ${DB}, people, rand(pid))`);
      await exec(s, `CREATE TABLE ${DB}.people2_all AS ${DB}.people2 ENGINE = Distributed(tsdp, ${DB}, people2, cityHash64(pid))`);
      await exec(s, `CREATE TABLE ${DB}.people2_rnd AS ${DB}.people2 ENGINE = Distributed(tsdp, ${DB}, people2, rand())`);
    }
    const sync = { insert_distributed_sync: '1' };
    await exec(SHARDS[0] as string, `INSERT INTO ${DB}.people_all VALUES ${rows(true)}`, sync);
    await exec(SHARDS[0] as string, `INSERT INTO ${DB}.people2_rnd VALUES ${rows(true)}`, sync);
  }, 120_000);

  afterAll(() => {
    if (started) execFileSync('bash', [script, 'stop'], { env, stdio: 'ignore' });
  });

  it('regression S10 (fixed by clickhouse 7428655): shardsByUnit refuses rand(pid), which ignores its argument', () => {
    expect(shardsByUnit('rand(pid)', 'pid')).toBe(false);
  });

  for (const table of ['people', 'people2']) {
    it(`regression S10 (fixed by clickhouse 7428655): ${table}: refused before the charge, or COUNT(*) within sensitivity 1 (failure probability ≤ 1e-6)`, async () => {
      const engine = await ClickHouseEngine.open({ url: SHARDS[0] as string, database: DB, cluster: 'tsdp', schema });
      try {
        // The target's rows are on both shards (checked directly, outside the library).
        const perShard = await Promise.all(SHARDS.map((s) => exec(s, `SELECT count() FROM ${DB}.${table} WHERE pid = 999`)));
        expect(perShard.map((x) => Number(x.trim()) > 0)).toEqual([true, true]);
        const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'review-s10-')) });
        const r = await runDpSql({
          sql: `SELECT COUNT(*) AS n FROM ${table}`,
          schema,
          engine,
          ledger,
          epsilon: 1000,
          rng: new SeededRandomSource(10),
        }).catch((e: unknown) => e);
        // 50 one-row units + the target bounded to C = 1 row: 51. Either the query is refused before the charge
        // (the layout does not shard by the unit) or it releases 51; the cluster releases 52.
        if (r instanceof Error) {
          expect((r as { code?: string }).code).toBe('UNSUPPORTED_QUERY');
          expect(await ledger.entries('review_s10')).toEqual([]);
          return;
        }
        expect(Number((r as { rows: unknown[][] }).rows[0]?.[0])).toBe(51);
      } finally {
        await engine.close();
      }
    });
  }
});
