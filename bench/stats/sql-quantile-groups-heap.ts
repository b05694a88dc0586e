/**
 * Heap of one grouped DP SQL MEDIAN on DuckDB (threads 1) over G selected groups of `perGroup` rows
 * (`SELECT g, MEDIAN(x) FROM t GROUP BY g`, the review's probe of stop 22 second): the peak heap used above the heap
 * before the query (sampled every 5 ms, and after), statements (`query` + `queryChunks` calls) and time. Run against a
 * checkout given as the first argument (its src/ is imported), so main and this branch are measured side by side.
 * Usage: node --expose-gc --import tsx bench/stats/sql-quantile-groups-heap.ts <checkout root> <G> [perGroup=20] [share]
 * (share: `quantileIntervalShare`, default the library's 20%). Prints one JSON line.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root = '.', gArg = '10000', perArg = '20', shareArg] = process.argv.slice(2);
const at = (p: string) => pathToFileURL(resolve(root, p)).href;
const { DuckDbEngine } = await import(at('src/sql/engines/duckdb.ts'));
const { runDpSql } = await import(at('src/sql/run-dp-sql.ts'));
const { parseSqlSchema } = await import(at('src/sql/schema.ts'));
const { SeededRandomSource } = await import(at('src/testing/seeded-source.ts'));
const { MemoryLedger } = await import(at('test/sql/fixtures.ts'));

const G = Number(gArg);
const perGroup = Number(perArg);
const engine = await DuckDbEngine.open({ threads: 1 });
await engine.connection.run(`CREATE TABLE t AS SELECT i AS pid, i % ${G} AS g, (i * 7919) % 1000000 AS x FROM range(${G * perGroup}) r(i)`);
const schema = parseSqlSchema({
  dataset: 'bench_heap',
  budget: { epsilon: 1e9, delta: 1e-3 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, g: { type: 'integer' }, x: { type: 'integer', lower: 0, upper: 1000000 } },
    },
  },
});
let statements = 0;
const counted = engine as unknown as Record<string, unknown>;
for (const name of ['query', 'queryChunks']) {
  const f = counted[name];
  if (typeof f !== 'function') continue;
  counted[name] = (...args: unknown[]) => {
    statements++;
    return (f as (...a: unknown[]) => unknown).apply(engine, args);
  };
}
let peak = 0;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().heapUsed);
}, 5);
(globalThis as { gc?: () => void }).gc?.();
const base = process.memoryUsage().heapUsed;
const t0 = performance.now();
const r = await runDpSql({
  sql: 'SELECT g, MEDIAN(x) AS m FROM t GROUP BY g',
  schema,
  engine,
  ledger: new MemoryLedger(),
  epsilon: 1e6,
  delta: 1e-4,
  rng: new SeededRandomSource(1),
  ...(shareArg === undefined ? {} : { quantileIntervalShare: Number(shareArg) }),
});
clearInterval(timer);
const heap = Math.max(peak, process.memoryUsage().heapUsed) - base;
console.log(
  JSON.stringify({
    G,
    rows: r.rows.length,
    statements,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
    heapPeakMB: Math.round(heap / 2 ** 20),
    bytesPerGroup: Math.round(heap / G),
    load: loadavg()[0],
  }),
);
await engine.close();
