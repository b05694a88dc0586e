/**
 * Where the distinct load's wall time idles (issue 15, stop 26): the load of `thread-cost.ts` (`distinct-load.ts`),
 * with the server's pieces wrapped in this process (prototype patches, benchmark only) to time, per query:
 *   engine wait     from asking the pool for an engine to getting one;
 *   engine hold     from getting it to giving it back (the snapshot: statements, version checks, and the release);
 *   DuckDB call     `runAndReadAll` of the kept prepared statement (DuckDB's work plus the wait for the main
 *                   thread to take its callback);
 *   charge          `GroupCommitLedger.charge` to its settling (batching turn, worker, fsync, the message back), or with
 *                   stop 26's `chargeEarly` to the decision (records written) and to the batch's durability;
 * and, over the timed run: each engine's busy share of the wall time, and the event loop's delay (monitorEventLoopDelay).
 *
 *   nice -n 0 npx tsx bench/server/idle-phases.ts [queries=2000] [concurrency=8] [warm-up=1500]
 *   DUCKDB_CONNECTIONS=n …   the pool's size
 */
import './duckdb-allocator-first.js';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DuckDBPreparedStatement } from '@duckdb/node-api';
import { EnginePool } from '../../src/server/engine-pool.js';
import { GroupCommitLedger } from '../../src/server/group-commit.js';
import { startDistinctLoad } from './distinct-load.js';

const N = Number(process.argv[2] ?? 2000);
const C = Number(process.argv[3] ?? 8);
const WARMUP = Number(process.argv[4] ?? 1500);

let on = false;
const sums = { wait: 0, hold: 0, call: 0, charge: 0, nWait: 0, nHold: 0, nCall: 0, nCharge: 0 };
const busy = new Map<object, number>();
type PoolInternals = { take(): Promise<object>; give(e: object): void };
const pool = EnginePool.prototype as unknown as PoolInternals;
const heldSince = new Map<object, number>();
const take0 = pool.take;
pool.take = async function (this: PoolInternals) {
  const t = performance.now();
  const e = await take0.call(this);
  const now = performance.now();
  if (on) {
    sums.wait += now - t;
    sums.nWait++;
  }
  heldSince.set(e, now);
  return e;
};
const give0 = pool.give;
pool.give = function (this: PoolInternals, e: object) {
  const t = heldSince.get(e);
  if (on && t !== undefined) {
    const d = performance.now() - t;
    sums.hold += d;
    sums.nHold++;
    busy.set(e, (busy.get(e) ?? 0) + d);
  }
  give0.call(this, e);
};
const ps = DuckDBPreparedStatement.prototype as unknown as { runAndReadAll(): Promise<unknown> };
const run0 = ps.runAndReadAll;
ps.runAndReadAll = async function (this: unknown) {
  const t = performance.now();
  try {
    return await run0.call(this);
  } finally {
    if (on) {
      sums.call += performance.now() - t;
      sums.nCall++;
    }
  }
};
const gc = GroupCommitLedger.prototype as unknown as { charge(...a: unknown[]): Promise<unknown> };
const charge0 = gc.charge;
gc.charge = async function (this: unknown, ...a: unknown[]) {
  const t = performance.now();
  try {
    return await charge0.apply(this, a);
  } finally {
    if (on) {
      sums.charge += performance.now() - t;
      sums.nCharge++;
    }
  }
};

// Stop 26's two-step charge (group-commit.ts rule 5), where present: to the decision, and to the batch's durability.
const early = { decided: 0, durable: 0, n: 0 };
const gce = GroupCommitLedger.prototype as unknown as { chargeEarly?(...a: unknown[]): Promise<{ durable: Promise<void> }> };
const early0 = gce.chargeEarly;
if (early0) {
  gce.chargeEarly = async function (this: unknown, ...a: unknown[]) {
    const t = performance.now();
    const r = await early0.apply(this, a);
    if (on) {
      early.decided += performance.now() - t;
      early.n++;
      void r.durable.then(
        () => {
          early.durable += performance.now() - t;
        },
        () => {},
      );
    }
    return r;
  };
}

const { batch, close } = await startDistinctLoad(C);
await batch(WARMUP);
const lag = monitorEventLoopDelay({ resolution: 1 });
const load0 = loadavg()[0] ?? Number.NaN;
const cpu0 = process.cpuUsage();
on = true;
lag.enable();
const t0 = performance.now();
await batch(N);
const wall = performance.now() - t0;
on = false;
lag.disable();
const cpu = process.cpuUsage(cpu0);
const load1 = loadavg()[0] ?? Number.NaN;
const per = (s: number, n: number) => (n ? s / n : 0).toFixed(2);
console.log(
  `distinct, ${N} queries at concurrency ${C} after ${WARMUP}: ${(N / (wall / 1000)).toFixed(0)} q/s, CPU ${((cpu.user + cpu.system) / 1000 / N).toFixed(2)} ms/query, latency ≈ ${((C * wall) / N).toFixed(2)} ms, load ${load0.toFixed(1)} → ${load1.toFixed(1)}`,
);
console.log(`  engine wait  ${per(sums.wait, sums.nWait)} ms/query`);
console.log(
  `  engine hold  ${per(sums.hold, sums.nHold)} ms/query (${sums.nHold} holds, ${sums.nWait} takes, ${sums.nCall} calls, ${sums.nCharge} charges)`,
);
console.log(`  DuckDB call  ${per(sums.call, sums.nCall)} ms/statement (${(sums.nCall / N).toFixed(2)} statements/query)`);
if (sums.nCharge > 0) console.log(`  charge       ${per(sums.charge, sums.nCharge)} ms/query`);
if (early.n > 0)
  console.log(
    `  charge       ${per(early.decided, early.n)} ms/query to the decision, ${per(early.durable, early.n)} ms to durable (two-step)`,
  );
console.log(`  engines busy ${[...busy.values()].map((b) => `${((100 * b) / wall).toFixed(0)}%`).join(', ')} of the wall time`);
console.log(
  `  event-loop delay p50 ${(lag.percentile(50) / 1e6).toFixed(2)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(2)} ms, mean ${(lag.mean / 1e6).toFixed(2)} ms`,
);
await close();
