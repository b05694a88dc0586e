/**
 * What one distinct query costs (issue 15): the library path the server takes (plan cache, exact-aggregate cache,
 * the file ledger on /dev/shm so that the disk's fsync is not measured), every query a new text of one shape (the WHERE range of
 * `http-vs-library.ts`), on Adult in a DuckDB database file. Variants in interleaved rounds, each a pool of
 * CONNECTIONS DuckDB connections as the server opens them (`server.duckdbConnections`, default 2):
 *   - prepared per query, DuckDB's default threads (one per core on every connection): stop 15's server;
 *   - prepared statements kept by exact text, DuckDB's default threads: stop 16's server;
 *   - kept, threads = the cores shared out among the connections (`defaultDuckdbThreads`): stop 17's default.
 *
 *   nice -n 10 npx tsx bench/server/distinct-cost.ts [rounds=6] [queries per round=150] [concurrency=1] [connections=2]
 *   (environment: WARMUP=400 distinct queries per variant before the rounds)
 *   nice -n 10 node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/server/distinct-cost.ts 2 300   # a profile
 *
 * Prints, per variant, the median over rounds of CPU per query (this process, all threads: JS, DuckDB, V8's
 * compiler and GC helpers) and of the main thread's CPU per query (Linux schedstat), the rest (every other thread),
 * the p50 latency and the queries per second.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { defaultDuckdbThreads } from '../../src/server/datasets.js';
import { EnginePool } from '../../src/server/engine-pool.js';
import { ExactAggregateCache } from '../../src/server/exact-aggregate-cache.js';
import { PlanCache } from '../../src/server/plan-cache.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { loadSqlSchema } from '../../src/sql/schema.js';
import { distinctQueries } from './distinct-queries.js';
import { threadCpuMs } from './thread-cpu.js';

const ROUNDS = Number(process.argv[2] ?? 6);
const N = Number(process.argv[3] ?? 150);
const CONCURRENCY = Number(process.argv[4] ?? 1);
const CONNECTIONS = Number(process.argv[5] ?? 2);
const root = resolve(import.meta.dirname, '../..');
const schemaPath = join(root, 'examples/adult.schema.json');
const csvPath = join(root, 'examples/adult.csv');
const schema = loadSqlSchema(schemaPath);

const work = mkdtempSync(join(tmpdir(), 'tsdp-bench-distinct-'));
const file = join(work, 'adult.duckdb');
{
  const table = schema.tables.get('adult');
  if (!table) throw new Error('no adult table');
  const columnTypes = { adult: Object.fromEntries([...table.columns].map(([c, col]) => [c, col.type])) };
  const e = await DuckDbEngine.open({ files: { adult: csvPath }, columnTypes, allowExternalAccess: true });
  await e.connection.run(`ATTACH '${file.replace(/'/g, "''")}' AS out`);
  await e.connection.run('CREATE TABLE out.adult AS SELECT * FROM adult');
  await e.connection.run('DETACH out');
  await e.close();
}

/** A new text every call (as http-vs-library.ts's distinct workload), one shape. */
const distinctSql = distinctQueries();

const variants = await Promise.all(
  [
    { name: 'prepared per query, threads per core', kept: 0 },
    { name: 'kept, threads per core', kept: 256 },
    { name: `kept, threads ${defaultDuckdbThreads(CONNECTIONS)} (cores ÷ conns)`, kept: 256, threads: defaultDuckdbThreads(CONNECTIONS) },
  ].map(async ({ name, kept, threads }) => {
    const engines = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      engines.push(
        await DuckDbEngine.open({
          database: file,
          preparedStatements: kept,
          statementTimeoutMs: 10_000,
          ...(threads ? { threads } : {}),
        }),
      );
    }
    return { name, engines, wrapped: new ExactAggregateCache(new EnginePool(engines)) };
  }),
);
const plans = new PlanCache(1024);
plans.keepSaltFor(schema);
// The file ledger in memory (/dev/shm where there is one), so that the disk's fsync is not what is measured.
const ledger = new FileLedger({ home: mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'tsdp-bench-ledger-')) });
const run = (engine: ExactAggregateCache) =>
  runDpSql({ sql: distinctSql(), schema, engine, ledger, planCache: plans, analyst: 'bench', epsilon: 0.001 });

// Warm-up: the JIT compiles the parser and the release code over the first few hundred distinct queries.
const WARMUP = Number(process.env.WARMUP ?? 400);
for (const v of variants) for (let i = 0; i < WARMUP; i++) await run(v.wrapped);
const results = new Map<string, { cpu: number[]; main: number[]; p50: number[]; qps: number[] }>();
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) {
    const times: number[] = [];
    const c0 = process.cpuUsage();
    const m0 = threadCpuMs();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < N) {
          const s = performance.now();
          await run(v.wrapped);
          times.push(performance.now() - s);
        }
      }),
    );
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const m = threadCpuMs() - m0;
    times.sort((a, b) => a - b);
    const e = results.get(v.name) ?? { cpu: [], main: [], p50: [], qps: [] };
    e.cpu.push((c.user + c.system) / 1000 / N);
    e.main.push(m / N);
    e.p50.push(times[Math.floor(N / 2)] ?? Number.NaN);
    e.qps.push(N / (wall / 1000));
    results.set(v.name, e);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(
  `distinct queries, ${ROUNDS} rounds × ${N}, concurrency ${CONCURRENCY}, ${CONNECTIONS} connections, load ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
for (const [name, e] of results) {
  const cpu = median(e.cpu);
  const main = median(e.main);
  console.log(
    `${name.padEnd(40)} CPU ${cpu.toFixed(2)} ms/query (main thread ${main.toFixed(2)}, other threads ${(cpu - main).toFixed(2)})   p50 ${median(e.p50).toFixed(2)} ms   ${median(e.qps).toFixed(0)} q/s   rounds CPU ${e.cpu.map((x) => x.toFixed(2)).join(' ')}`,
  );
}
for (const v of variants) {
  const hits = v.engines.reduce((a, e) => a + e.prepared.hits, 0);
  const misses = v.engines.reduce((a, e) => a + e.prepared.misses, 0);
  console.log(`${v.name}: DuckDB prepared hits ${hits}, misses ${misses}`);
}
for (const v of variants) await v.wrapped.close();
