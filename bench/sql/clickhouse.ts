/**
 * DP SQL on a local ClickHouse cluster (issue 16): for each size (rows) and
 * shard count, `units` privacy units, `groups` groups, unit-level DP with
 * `maxPartitions` P = 2 and `maxContributionsPerPartition` C = 2:
 *
 * - `dp`: the compiled per-shard statement of `SELECT g, COUNT(*), SUM(x), AVG(x)
 *   … GROUP BY g` sent to every shard in parallel and merged by the driver
 *   (`ClickHouseEngine.query`), with the default top-P strategy (`arrays`) and
 *   with `limitBy`;
 * - `dp-e2e`: the whole `runDpSql` (catalog checks, charge to a file ledger,
 *   statement, release) once per measurement;
 * - `hand`: the cheapest hand-written SQL computing the same bounded aggregates
 *   per shard (pre-aggregate per unit and group, keep P groups per unit by a
 *   salted hash with `LIMIT P BY` after `ORDER BY`, cap, aggregate), on every
 *   shard in parallel — run before and after the DP statements (interleaved:
 *   hand, DP, arrays, hand), so that DP is compared with hand under the same
 *   load; each statement's rows read and peak memory on shard 0 come from
 *   `system.query_log`;
 * - `plain`: the plain `GROUP BY g` (count, sum) on every shard in parallel;
 * - DuckDB on the same data (one process, all threads): plain and the DP
 *   statement compiled for DuckDB.
 *
 * Medians of `--runs` runs. The machine is shared (2 cores, other agents
 * running): a cluster of 3 shards on 2 cores shows per-shard linearity (rows/s
 * per shard), not speed-up.
 *
 * `--warmup 0` skips the warm-up run (large sizes); `--variants` picks the
 * measurements (default all: plain,hand,dp,arrays,e2e,duckdb).
 *
 *   npx tsx bench/sql/clickhouse.ts [--sizes 1e7,3e7] [--shards 1,2,3] [--units 1e6] [--groups 1000] [--runs 3] [--warmup 1] [--variants plain,hand,dp,arrays,e2e,duckdb] [--port 18123]
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import { clickhouseArraysDialect, clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { textLiteral } from '../../src/sql/dialects/clickhouse-literals.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const SIZES = arg('sizes', '1e7,3e7').split(',').map(Number);
const SHARDS = arg('shards', '1,2,3').split(',').map(Number);
const UNITS = Number(arg('units', '1e6'));
const GROUPS = Number(arg('groups', '1000'));
const RUNS = Number(arg('runs', '3'));
const PORT = Number(arg('port', '18123'));
const WARMUP = Number(arg('warmup', '1'));
const VARIANTS = new Set(arg('variants', 'plain,hand,dp,arrays,e2e,duckdb').split(','));
const SCRIPT = resolve(import.meta.dirname, '../../scripts/clickhouse.sh');
const P = 2;
const C = 2;
const SQL = 'SELECT g, COUNT(*) AS n, SUM(x) AS s, AVG(x) AS m FROM bench GROUP BY g';

const schema = parseSqlSchema({
  dataset: 'bench',
  budget: { epsilon: 1e9, delta: 0.5 },
  tables: {
    bench: {
      privacyUnit: 'pid',
      maxPartitions: P,
      maxContributionsPerPartition: C,
      columns: { pid: { type: 'integer' }, g: { type: 'integer' }, x: { type: 'float', lower: 0, upper: 100 } },
    },
  },
});

async function exec(base: string, sql: string, settings: Record<string, string> = {}): Promise<string> {
  const u = new URL(base);
  for (const [k, v] of Object.entries(settings)) u.searchParams.set(k, v);
  // A fresh connection per statement: a kept-alive socket the server closed while idle would fail the next one.
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
  if (status !== 200) throw new Error(`ClickHouse: ${text.slice(0, 400)}`);
  return text;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const loadNow = () => loadavg()[0]?.toFixed(1) ?? '?';

async function time(variant: string, f: () => Promise<unknown>): Promise<number> {
  if (!VARIANTS.has(variant)) return Number.NaN;
  for (let w = 0; w < WARMUP; w++) await f(); // warm-up (caches, marks)
  const ts: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await f();
    ts.push(performance.now() - t0);
  }
  console.error(`    ${variant}: ${ts.map((t) => (t / 1000).toFixed(2)).join(', ')} s (load ${loadNow()})`);
  return median(ts);
}

/** A statement's CPU time (user + system, all its threads) in ms, from query_log: steadier than wall time on a shared machine. */
const CPU_MS =
  "round((ProfileEvents.Values[indexOf(ProfileEvents.Names, 'UserTimeMicroseconds')] + ProfileEvents.Values[indexOf(ProfileEvents.Names, 'SystemTimeMicroseconds')]) / 1000)";

/**
 * The bounded statements interleaved so that they see the same load: hand, then each DP variant, then hand again
 * (per run); DP is compared with the mean of the hand runs around it. After each statement, shard 0's
 * `system.query_log` gives the rows it read, its peak memory and its CPU time (the cluster logs queries: TSDP_CH_LOG_QUERIES=1).
 */
async function interleaved(
  bases: readonly string[],
  steps: readonly [string, string, () => Promise<unknown>][],
): Promise<Map<string, number>> {
  const runs = new Map<string, number[]>();
  const cpuRuns = new Map<string, number[]>();
  const chosen = steps.filter(([v]) => VARIANTS.has(v) || v.startsWith('hand'));
  for (let w = 0; w < WARMUP; w++) for (const [, , f] of chosen) await f();
  for (let r = 0; r < RUNS; r++) {
    for (const [variant, marker, f] of chosen) {
      const load = loadNow();
      const t0 = performance.now();
      await f();
      const t = performance.now() - t0;
      runs.set(variant, [...(runs.get(variant) ?? []), t]);
      const logs = await Promise.all(
        bases.map(async (b) => {
          await exec(b, 'SYSTEM FLUSH LOGS');
          return exec(
            b,
            `SELECT read_rows, formatReadableSize(memory_usage), query_duration_ms, ${CPU_MS} FROM system.query_log WHERE type = 2 AND position(query, ${textLiteral(marker)}) > 0 AND query NOT LIKE '%system.query_log%' ORDER BY event_time DESC LIMIT 1 FORMAT TSV`,
          ).catch(() => '? ? ? ?');
        }),
      );
      const [readRows, memory, ms] = (logs[0] as string).trim().split('\t');
      const cpus = logs.map((l) => Number(l.trim().split('\t')[3]));
      cpuRuns.set(variant, [...(cpuRuns.get(variant) ?? []), cpus.reduce((a, b) => a + b, 0)]);
      console.error(
        `    ${variant}: ${(t / 1000).toFixed(2)} s (load ${load} → ${loadNow()}; shard 0: ${readRows} rows read, peak ${memory}, ${ms} ms; CPU per shard ${cpus.map((c) => (c / 1000).toFixed(1)).join(' / ')} s)`,
      );
    }
  }
  const cpu = (v: string) => median(cpuRuns.get(v) ?? [Number.NaN]);
  const handCpu = (cpu('hand') + cpu('hand-after')) / 2;
  console.error(
    `    CPU, all shards, medians: hand ${(handCpu / 1000).toFixed(1)} s, dp ${(cpu('dp') / 1000).toFixed(1)} s → DP / hand ${(cpu('dp') / handCpu).toFixed(2)}×`,
  );
  return new Map([...runs].map(([v, ts]) => [v, median(ts)]));
}

const dataSql = (rows: number) =>
  `SELECT toInt64(intHash64(number) % ${UNITS}) AS pid, toInt64(intHash32(number) % ${GROUPS}) AS g, toFloat64(number % 1000) / 10 AS x FROM system.numbers LIMIT ${rows}`;

/**
 * The cheapest hand-written bounded SQL (same bounds, a salted choice), per shard. It sorts by the salted hash
 * alone (a one-column sort, ClickHouse's fast path: cheaper than `ORDER BY pid, hash` by ≈ 0.9 s CPU of 3.4 s
 * for the sort of 3.3·10⁶ rows, bench/sql/clickhouse.md) and leaves hash ties to the engine, which a hand
 * writer would.
 */
function handSql(salt: bigint): string {
  return (
    `SELECT g, count() AS units, sum(least(c, ${C})) AS n, sum(greatest(least(s, ${C * 100}), 0)) AS sx FROM ` +
    `(SELECT pid, g, count() AS c, sum(x) AS s FROM bench GROUP BY pid, g ORDER BY cityHash64(pid, g, ${salt}) LIMIT ${P} BY pid) GROUP BY g`
  );
}

interface Row {
  rows: number;
  shards: number;
  plain: number;
  hand: number;
  dp: number;
  dpLimitBy: number;
  dpE2e: number;
}

async function clusterRun(rows: number, shards: number): Promise<Row> {
  const env = {
    ...process.env,
    TSDP_CH_DIR: '/tmp/tsdp-ch-bench',
    TSDP_CH_PORT: String(PORT),
    TSDP_CH_SHARDS: String(shards),
    TSDP_CH_LOG_QUERIES: '1',
    TSDP_CH_MAX_MEMORY: '8000000000',
  };
  execFileSync('bash', [SCRIPT, 'stop'], { env, stdio: 'ignore' });
  execFileSync('bash', [SCRIPT, 'start'], { env, stdio: 'ignore' });
  try {
    const bases = Array.from({ length: shards }, (_, i) => `http://127.0.0.1:${PORT + i}`);
    await Promise.all(
      bases.map(async (b) => {
        await exec(b, 'CREATE TABLE bench (pid Int64, g Int64, x Float64) ENGINE = MergeTree ORDER BY pid');
        await exec(b, 'CREATE TABLE bench_all AS bench ENGINE = Distributed(tsdp, default, bench, cityHash64(pid))');
      }),
    );
    const t0 = performance.now();
    await exec(bases[0] as string, `INSERT INTO bench_all ${dataSql(rows)}`, { insert_distributed_sync: '1' });
    console.error(`  loaded ${rows} rows on ${shards} shard(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const all = (sql: string) => Promise.all(bases.map((b) => exec(b, sql, { max_execution_time: '1800' })));
    const plain = await time('plain', () => all('SELECT g, count(), sum(x) FROM bench GROUP BY g FORMAT Null'));
    const ch = await ClickHouseEngine.open({ url: bases[0] as string, cluster: 'tsdp', schema, statementTimeoutMs: 1_800_000 });
    const plan = planDpQuery(SQL, schema);
    const handRun = () => all(`${handSql(12345n)} FORMAT Null`);
    const t = await interleaved(bases, [
      ['hand', 'AS sx FROM', handRun],
      ['dp', 'LIMIT 2 BY tsdp_u', () => ch.query(compileDpQuery(plan, clickhouseDialect, 12345n, schema).main)],
      ['arrays', 'arraySlice', () => ch.query(compileDpQuery(plan, clickhouseArraysDialect, 12345n, schema).main)],
      ['hand-after', 'AS sx FROM', handRun],
    ]);
    const hands = [t.get('hand'), t.get('hand-after')].filter((x): x is number => x !== undefined);
    const hand = hands.length ? hands.reduce((a, b) => a + b, 0) / hands.length : Number.NaN;
    const dp = t.get('dp') ?? Number.NaN;
    const dpLimitBy = t.get('arrays') ?? Number.NaN;
    const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-bench-ch-')) });
    const dpE2e = await time('e2e', () => runDpSql({ sql: SQL, schema, engine: ch as SqlEngine, ledger, epsilon: 1, delta: 1e-6 }));
    return { rows, shards, plain, hand, dp, dpLimitBy, dpE2e };
  } finally {
    execFileSync('bash', [SCRIPT, 'stop'], { env, stdio: 'ignore' });
  }
}

async function duckRun(rows: number): Promise<{ plain: number; dp: number }> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(
    `CREATE TABLE bench AS SELECT CAST(hash(i) % ${UNITS} AS BIGINT) AS pid, CAST(hash(i + 7) % ${GROUPS} AS BIGINT) AS g, CAST(i % 1000 AS DOUBLE) / 10 AS x FROM range(${rows}) t(i)`,
  );
  const plain = await time('duckdb', () => c.run('SELECT g, count(*), sum(x) FROM bench GROUP BY g'));
  const compiled = compileDpQuery(planDpQuery(SQL, schema), duckdbDialect, 12345n, schema);
  const params = compiled.main.params.map((p) => p.value) as never;
  const dp = await time('duckdb', () => c.run(compiled.main.sql, params));
  c.closeSync();
  return { plain, dp };
}

const fmt = (ms: number) => (Number.isNaN(ms) ? '–' : `${(ms / 1000).toFixed(2)} s`);
console.log(
  `# ClickHouse ${UNITS} units, ${GROUPS} groups, P=${P}, C=${C}; medians of ${RUNS} (warm-up ${WARMUP}); shared 2-core machine, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at start`,
);
console.log(
  '| rows | shards | plain GROUP BY | hand bounded | DP (LIMIT BY, default) | DP (arrays) | DP end to end | DP/hand | DP/plain | rows/s per shard (DP) |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const rows of SIZES) {
  for (const shards of SHARDS) {
    const r = await clusterRun(rows, shards);
    const best = Math.min(...[r.dp, r.dpLimitBy].filter((t) => !Number.isNaN(t)));
    console.log(
      `| ${rows.toExponential(0)} | ${shards} | ${fmt(r.plain)} | ${fmt(r.hand)} | ${fmt(r.dp)} | ${fmt(r.dpLimitBy)} | ${fmt(r.dpE2e)} | ${(best / r.hand).toFixed(2)}× | ${(best / r.plain).toFixed(1)}× | ${(rows / shards / (best / 1000)).toExponential(2)} |`,
    );
  }
  if (!VARIANTS.has('duckdb')) continue;
  const d = await duckRun(rows);
  console.log(`| ${rows.toExponential(0)} | DuckDB | ${fmt(d.plain)} | | ${fmt(d.dp)} | | | | ${(d.dp / d.plain).toFixed(1)}× | |`);
}
