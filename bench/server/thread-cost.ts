/**
 * Where a distinct query's CPU goes, thread by thread, through HTTP (issue 15): the server (`createQueryServer`, Adult
 * in a DuckDB database file, the file ledger, padding off) on loopback, a load generator's minimal keep-alive client
 * in a worker thread at concurrency C, every query a new text of one shape (the WHERE range of `distinct-cost.ts`).
 * After WARMUP queries, N queries are timed and each thread's CPU (Linux `/proc/self/task/<tid>/schedstat`) is
 * printed per query, the threads named by when they started:
 *   main            the event loop: HTTP, Fastify, the server's hooks, parse/plan/compile, releases, the DuckDB driver;
 *   client          the load generator (its own tid, sent from its thread);
 *   DuckDB          the threads that work while only DuckDB statements run (found before the server starts):
 *                   libuv's thread pool, where the node-api driver runs every DuckDB call;
 *   V8 helpers      the other threads that ran before the server: V8's platform threads (GC helpers, the
 *                   optimising compiler) and tsx's loader;
 *   ledger worker   threads started by the first queries: the file ledger's worker (lock, journal append, fsync,
 *                   totals);
 *   other           threads started while the server opened.
 * CPU per query, not q/s, is the figure to compare on a shared machine: the ceiling on two idle cores is 2000 / CPU.
 *
 *   nice -n 10 npx tsx bench/server/thread-cost.ts [queries=2000] [concurrency=8] [warm-up=1500]
 *   SHAPE_PLANS=0 …  the plan cache without shape templates (every distinct text parsed and planned; stop 22's second part)
 *   REPEATED=1 …   every query the same text instead (the plan-cache and exact-aggregate-cache path: no DuckDB run
 *                  after the first), to compare the repeated workload's CPU between two checkouts (stop 21)
 */
import { loadavg } from 'node:os';
import { startDistinctLoad, threadCpu } from './distinct-load.js';

const N = Number(process.argv[2] ?? 2000);
const C = Number(process.argv[3] ?? 8);
const WARMUP = Number(process.argv[4] ?? 1500);
const { batch, clientTid, beforeServer, duckdbThreads, atStart, close } = await startDistinctLoad(C);

await batch(WARMUP);
const load0 = loadavg()[0] ?? Number.NaN;
const before = threadCpu();
const cpu0 = process.cpuUsage();
const faults0 = process.resourceUsage().minorPageFault;
const t0 = performance.now();
await batch(N);
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const faults = (process.resourceUsage().minorPageFault - faults0) / N;
const after = threadCpu();
const load1 = loadavg()[0] ?? Number.NaN;

const groups = new Map<string, number>();
for (const [tid, ns] of after) {
  const group =
    tid === String(process.pid)
      ? 'main'
      : tid === clientTid
        ? 'client'
        : duckdbThreads.has(tid)
          ? 'DuckDB (libuv pool)'
          : beforeServer.has(tid)
            ? 'V8 helpers (GC, compiler), tsx'
            : atStart.has(tid)
              ? 'other threads started with the server'
              : 'ledger worker';
  groups.set(group, (groups.get(group) ?? 0) + (ns - (before.get(tid) ?? 0)) / 1e6 / N);
}
const total = (cpu.user + cpu.system) / 1000 / N;
console.log(
  `${process.env.REPEATED ? 'repeated' : 'distinct'} DP GROUP BY through HTTP, ${N} queries at concurrency ${C} after ${WARMUP}: ${(N / (wall / 1000)).toFixed(0)} q/s, CPU ${total.toFixed(2)} ms/query (at most ${(2000 / total).toFixed(0)} q/s on two idle cores), load ${load0.toFixed(1)} → ${load1.toFixed(1)}; ${faults.toFixed(1)} page faults/query (all threads)`,
);
for (const [group, ms] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`  ${group.padEnd(36)} ${ms.toFixed(2)} ms/query`);
await close();
