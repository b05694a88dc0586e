/**
 * Statements, time and heap of one grouped DP SQL MEDIAN on DuckDB (threads 1), for G declared groups over `rows`
 * rows: `SELECT g, MEDIAN(x) FROM t GROUP BY g`, the engine's `query` and `queryChunks` calls counted, the peak heap
 * used above the heap before the query (sampled every 5 ms; run with --expose-gc for a collected start). Run against a
 * checkout given as the first argument (its src/ is imported), so main and this branch are measured side by side.
 * Usage: npx tsx bench/stats/sql-quantile-groups.ts <checkout root> <rows> <G>… — G declared groups, or `<G>s` for G
 * groups selected by partition selection (δ = 10⁻⁶; the declared limit is 64 groups for one quantile output);
 * `--epsilon=E` sets the query's ε (default 1; 1e6 selects every group, as the review's heap probe of stop 22 second).
 * Prints one line per G: `G statements seconds rows heapMB bytes/group load`.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--epsilon='));
const [root = '.', rowsArg = '100000', ...gs] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const epsilon = Number(flags[0]?.slice('--epsilon='.length) ?? 1);
const at = (p: string) => pathToFileURL(resolve(root, p)).href;
const { DuckDbEngine } = await import(at('src/sql/engines/duckdb.ts'));
const { runDpSql } = await import(at('src/sql/run-dp-sql.ts'));
const { parseSqlSchema } = await import(at('src/sql/schema.ts'));
const { SeededRandomSource } = await import(at('src/testing/seeded-source.ts'));

const rows = Number(rowsArg);
for (const arg of gs.length > 0 ? gs : ['1', '10', '64', '100s']) {
  const groups = Number.parseInt(arg, 10);
  const declared = !arg.endsWith('s');
  const engine = await DuckDbEngine.open({ threads: 1 });
  await engine.connection.run(`CREATE TABLE t AS SELECT i AS pid, i % ${groups} AS g, (i * 7919) % 1000003 AS x FROM range(${rows}) r(i)`);
  const schema = parseSqlSchema({
    dataset: 'bench_groups',
    budget: { epsilon: Math.max(1e6, 10 * epsilon), delta: 1e-3 },
    tables: {
      t: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: {
          pid: { type: 'integer' },
          g: declared ? { type: 'integer', categories: Array.from({ length: groups }, (_, i) => i) } : { type: 'integer' },
          x: { type: 'integer', lower: 0, upper: 1000003 },
        },
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
  const { MemoryLedger } = await import(at('test/sql/fixtures.ts'));
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
    epsilon,
    ...(declared ? {} : { delta: 1e-6 }),
    rng: new SeededRandomSource(1),
  });
  const s = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const heap = Math.max(peak, process.memoryUsage().heapUsed) - base;
  const heapMB = (heap / 2 ** 20).toFixed(0);
  const perGroup = (heap / groups).toFixed(0);
  console.log(
    `G=${arg} statements=${statements} seconds=${s.toFixed(2)} rows=${r.rows.length} heapMB=${heapMB} bytes/group=${perGroup} load=${loadavg()[0]}`,
  );
  await engine.close();
}
