/**
 * The main thread's CPU per distinct query, phase by phase (issue 15, stop 21): thread CPU
 * (`/proc/thread-self/schedstat`, ns) read at the boundaries of each phase, queries one at a time (so the main thread
 * does nothing else between two stamps but the query's own work and the ledger's messages), every query a new text of
 * the distinct workload (`distinct-queries.ts`). Two sides, each its own server parts on the same Adult DuckDB file:
 *
 * - library: `runDpSql` with the server's parts (plan cache, exact-aggregate cache, group commit on the threaded file
 *   ledger), the engine, ledger and plan cache wrapped only to stamp (no behaviour changed):
 *     plan        start → the plan cache's `compiled` call (lookup, plan on a miss, budget split, salt)
 *     compile     inside `compiled`
 *     measure     → the ledger's `charge` (release plans, privacy map, public checks, preflight)
 *     charge      the charge's call until it resolves (the main thread's share: the wire, the group commit)
 *     run/fetch   each `engine.query` (the driver's synchronous share, the rows' conversion)
 *     release     the last query's end → `runDpSql` resolves (noise, rationals, answer rows)
 * - HTTP: `createQueryServer` with padding off, stamped by Fastify hooks added for the measurement:
 *     request     onRequest → preHandler (body, schema, API key, rate limit)
 *     handler     preHandler → onSend (runDpSql and the answer object, serialised)
 *     write       onSend → onResponse
 *   and the main thread's CPU per query over the whole round (Node's HTTP parser and socket work included).
 *
 *   [SHAPE_PLANS=0] [ALLOC_PROFILE=file] nice -n 10 npx tsx bench/server/main-thread-phases.ts [rounds=4] [queries per round=200]
 * @module
 */
import './duckdb-allocator-first.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createQueryServer } from '../../src/server/app.js';
import { openDataset } from '../../src/server/datasets.js';
import { GroupCommitLedger } from '../../src/server/group-commit.js';
import { PlanCache } from '../../src/server/plan-cache.js';
import { ThreadedFileLedger } from '../../src/server/threaded-ledger.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { adultDbConfig } from './adult-db-config.js';
import { distinctQueries } from './distinct-queries.js';
import { threadCpuMs } from './thread-cpu.js';

const ROUNDS = Number(process.argv[2] ?? 4);
const N = Number(process.argv[3] ?? 200);
const cfg = await adultDbConfig(mkdtempSync(join(tmpdir(), 'tsdp-bench-main-phases-')));

/** This thread's time on a CPU in ms, settled (`thread-cpu.ts`: a bare schedstat read lags up to a tick). */
const cpuMs = threadCpuMs;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

// ---- library side, stamped ----
const adult = cfg.datasets.get('adult');
if (!adult) throw new Error('no adult');
const lib = await openDataset(adult, 10_000, cfg.server.duckdbConnections);
const ledger = new GroupCommitLedger(new ThreadedFileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-bench-main-phases-lib-')) }));
let marks: [string, number][] = [];
const mark = (name: string) => {
  marks.push([name, cpuMs()]);
  gcWindows.push([name, performance.timeOrigin + performance.now()]);
};
// SHAPE_PLANS=0: no shape templates (each distinct text parsed, planned and compiled: before stop 22's second part).
const plans = new PlanCache(1024, process.env.SHAPE_PLANS === '0' ? 0 : 1024);
if (adult.exactAggregateCache) plans.keepSaltFor(lib.schema);
const stampedPlans = Object.assign(Object.create(plans) as PlanCache, {
  compiled: (...a: Parameters<PlanCache['compiled']>) => {
    mark('plan');
    const c = plans.compiled(...a);
    mark('compile');
    return c;
  },
});
const stampedLedger: typeof ledger = Object.assign(Object.create(ledger) as typeof ledger, {
  charge: async (...a: Parameters<typeof ledger.charge>) => {
    mark('measure');
    const s = await ledger.charge(...a);
    mark('charge');
    return s;
  },
});
const engine = lib.engine as SqlEngine;
const stampedEngine: SqlEngine = Object.assign(Object.create(engine) as SqlEngine, {
  query: async (...a: Parameters<SqlEngine['query']>) => {
    mark('between');
    const r = await engine.query(...a);
    mark('run/fetch');
    return r;
  },
});
const nextLib = distinctQueries();
const libOne = async (): Promise<[string, number][]> => {
  marks = [];
  mark('start');
  await runDpSql({
    sql: nextLib(),
    schema: lib.schema,
    engine: stampedEngine,
    ledger: stampedLedger,
    planCache: stampedPlans,
    analyst: 'bench',
    epsilon: 0.001,
  });
  mark('release');
  return marks;
};

// ---- HTTP side, stamped ----
const server = await createQueryServer(cfg, { playgroundDir: null, shapePlans: process.env.SHAPE_PLANS !== '0' });
const cpuStamps = new WeakMap<object, number[]>();
const httpParts: number[][] = [];
server.app.addHook('onRequest', async (request) => {
  cpuStamps.set(request, [cpuMs()]);
});
server.app.addHook('preHandler', async (request) => {
  cpuStamps.get(request)?.push(cpuMs());
});
server.app.addHook('onSend', async (request, _reply, payload) => {
  cpuStamps.get(request)?.push(cpuMs());
  return payload;
});
server.app.addHook('onResponse', async (request) => {
  const s = cpuStamps.get(request);
  if (s) httpParts.push([...s, cpuMs()]);
});
const url = await server.listen(0);
const key = server.keys.create('bench').token;
const client = new Worker(
  `
  const { parentPort, workerData: w } = require('node:worker_threads');
  const http = require('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(w.url + '/v1/queries');
  const one = (body) => new Promise((done, fail) => {
    const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: { authorization: 'Bearer ' + w.key, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const parts = []; res.on('data', (d) => parts.push(d));
      res.on('end', () => (res.statusCode === 200 ? done() : fail(new Error('HTTP ' + res.statusCode + Buffer.concat(parts)))));
    });
    req.on('error', fail); req.end(body);
  });
  parentPort.on('message', async (bodies) => { for (const b of bodies) await one(b); parentPort.postMessage(true); });`,
  { eval: true, workerData: { url, key } },
);
const nextHttp = distinctQueries();
const httpRound = (n: number) =>
  new Promise<void>((done) => {
    client.once('message', () => done());
    client.postMessage(Array.from({ length: n }, () => JSON.stringify({ dataset: 'adult', sql: nextHttp(), epsilon: 0.001 })));
  });

// ---- rounds ----
// V8's pauses on this thread (wall ms), each given to the library phase whose window it began in.
const gcs: [number, number][] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime + performance.timeOrigin, e.duration]);
}).observe({ entryTypes: ['gc'] });
/** Every library mark of the round: [the phase that ends there, the wall instant]. */
let gcWindows: [string, number][] = [];
const gcByPhase = () => {
  const out = new Map<string, number>();
  for (const [at, d] of gcs) {
    const end = gcWindows.find(([, t]) => t > at);
    const name = end && end[0] !== 'start' ? end[0] : 'outside a query';
    out.set(name, (out.get(name) ?? 0) + d);
  }
  return out;
};
const libNames = ['plan', 'compile', 'measure', 'charge', 'run/fetch', 'between', 'release'];
const libAll = new Map<string, number[]>(libNames.map((n) => [n, []]));
const gcAll = new Map<string, number[]>();
const libTotal: number[] = [];
const httpNames = ['request (onRequest → preHandler)', 'handler (preHandler → onSend)', 'write (onSend → onResponse)'];
const httpAll: number[][] = httpNames.map(() => []);
const httpTotal: number[] = [];
for (let i = 0; i < 300; i++) await libOne();
await httpRound(300);
// ALLOC_PROFILE=<file>: V8's sampling heap profile of the timed rounds, collected objects included (where the
// short-lived allocations come from; open it in Chrome's DevTools, Memory tab).
const allocProfile = process.env.ALLOC_PROFILE;
const inspector = allocProfile ? new Session() : null;
if (inspector) {
  inspector.connect();
  await inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
console.log(`load ${loadavg()[0]?.toFixed(1)}; ${ROUNDS} rounds × ${N} distinct queries each side, one at a time, padding off`);
for (let r = 0; r < ROUNDS; r++) {
  const perPhase = new Map<string, number>(libNames.map((n) => [n, 0]));
  gcWindows = [];
  gcs.length = 0;
  const c0 = cpuMs();
  for (let i = 0; i < N; i++) {
    const m = await libOne();
    for (let k = 1; k < m.length; k++) {
      const [name, t] = m[k] as [string, number];
      perPhase.set(name, (perPhase.get(name) ?? 0) + t - (m[k - 1]?.[1] ?? t));
    }
  }
  const c1 = cpuMs();
  libTotal.push((c1 - c0) / N);
  await new Promise((r) => setTimeout(r, 20)); // the GC entries of the round delivered
  for (const [n, ms] of gcByPhase()) gcAll.set(n, [...(gcAll.get(n) ?? []), ms / N]);
  for (const [n, v] of perPhase) libAll.get(n)?.push(v / N);
  httpParts.length = 0;
  await httpRound(N);
  gcs.length = 0;
  const c2 = cpuMs();
  httpTotal.push((c2 - c1) / N);
  httpNames.forEach((_, k) => {
    httpAll[k]?.push(httpParts.reduce((a, p) => a + (p[k + 1] ?? 0) - (p[k] ?? 0), 0) / httpParts.length);
  });
  console.log(
    `round ${r + 1}: main-thread CPU per query: library ${libTotal.at(-1)?.toFixed(3)} ms, HTTP ${httpTotal.at(-1)?.toFixed(3)} ms`,
  );
}
console.log(`main-thread ms CPU per distinct query, median of rounds (load ${loadavg()[0]?.toFixed(1)} at end):`);
console.log(`  library (runDpSql + server parts)     ${median(libTotal).toFixed(3)}`);
for (const n of libNames)
  console.log(
    `    ${n.padEnd(34)} ${median(libAll.get(n) ?? []).toFixed(3)}   (of which GC pauses, wall: ${median(gcAll.get(n) ?? [0]).toFixed(3)})`,
  );
console.log(`  HTTP server, whole round               ${median(httpTotal).toFixed(3)}`);
for (const [k, n] of httpNames.entries()) console.log(`    ${n.padEnd(34)} ${median(httpAll[k] ?? []).toFixed(3)}`);
if (inspector && allocProfile) {
  const { profile } = await inspector.post('HeapProfiler.stopSampling');
  writeFileSync(allocProfile, JSON.stringify(profile));
  inspector.disconnect();
}
await client.terminate();
await server.close();
await lib.engine.close();
await ledger.close();
