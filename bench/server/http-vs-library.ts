/**
 * Server overhead and throughput (issue 15): a DP GROUP BY on Adult through
 * HTTP (tsdp serve's app on loopback, padding off) against the same query
 * through the library (runDpSql on the same kind of engine and ledger), in the
 * same run. Prints requests/s, p50/p99 latency and CPU per query for each, then
 * the issue's two goals with their ratios, each for TWO workloads:
 *   repeated = the same query text every time: after the first, its plan, its
 *              kept bounding salt and its exact aggregates are reused (plan
 *              cache + exact-aggregate cache; noise fresh, each query charged);
 *   distinct = every query a new text (a WHERE range no other query in the run
 *              has): no plan-cache or exact-aggregate-cache hit, DuckDB runs
 *              every statement.
 *   overhead = HTTP p50 − library p50 (sequential; the library doing the same
 *              work: the server's plan cache, exact-aggregate cache, group
 *              commit on the threaded file ledger)                 goal ≤ 1 ms
 *   throughput = HTTP DP queries/s at concurrency C                goal ≥ 500
 * Every HTTP figure has its client in a worker thread, so the server's event
 * loop runs only the server, as with a separate client. Two clients, both
 * keep-alive, both printed:
 *   node:http  a typical Node client (builds each request, parses each
 *              response with Node's HTTP parser and stream machinery);
 *   minimal    a load generator's client (as wrk and autocannon do): each
 *              request's bytes built before the clock starts, written on a
 *              kept-alive socket, the response read up to its Content-Length
 *              and its status checked. Its own cost per request is a few
 *              µs, so its round trip is the server's and the loopback's; the
 *              overhead goal ("server overhead") is judged with this client.
 * Like with like: every row (library and HTTP) first runs the same WARMUP
 * queries (default 200), so the JIT has compiled each path before it is
 * timed; the sequential library and HTTP rows of a workload are measured in
 * interleaved rounds (library, HTTP, HTTP, library, …) so that both see the
 * same machine, and their p50s are over all rounds. The library path charges
 * the same durable ledger as the server (group commit on the threaded file
 * ledger: every answer waits for its own record's fsync).
 * A goal is met only when it is met on distinct queries; the repeated figure
 * is what a dashboard re-asking its queries sees.
 *
 *   npx tsx bench/server/http-vs-library.ts [queries=300] [concurrency=8] [engine=duckdb-file|csv]
 *   (environment: WARMUP=200 queries before each row, ROUNDS=6 interleaved rounds for the sequential rows)
 *
 * Engine `duckdb-file` (default): Adult loaded once (through tsdp's own CSV
 * reader, declared types) into a DuckDB database file, served read-only (`db:
 * duckdb:…`; exact aggregates cached by default). `csv`: the CSV read in place
 * on every query (≈ 30 ms of CSV parsing per query; no exact-aggregate cache:
 * files could change). Ledger: the file ledger (every charge fsynced before
 * its answer).
 */
// First: the server's DuckDB allocator options, before anything loads DuckDB (duckdb-allocator-first.ts); the
// library rows run in this process too, so they get the same allocator.
import './duckdb-allocator-first.js';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { createQueryServer } from '../../src/server/app.js';
import { parseServerConfig } from '../../src/server/config.js';
import { openDataset } from '../../src/server/datasets.js';
import { ExactAggregateCache } from '../../src/server/exact-aggregate-cache.js';
import { GroupCommitLedger } from '../../src/server/group-commit.js';
import { PlanCache } from '../../src/server/plan-cache.js';
import { ThreadedFileLedger } from '../../src/server/threaded-ledger.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { loadSqlSchema } from '../../src/sql/schema.js';

const N = Number(process.argv[2] ?? 300);
const C = Number(process.argv[3] ?? 8);
const ENGINE = process.argv[4] ?? 'duckdb-file';
const WARMUP = Number(process.env.WARMUP ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
if (ENGINE !== 'duckdb-file' && ENGINE !== 'csv') throw new Error('engine: duckdb-file or csv');
const root = resolve(import.meta.dirname, '../..');
const SQL = 'SELECT sex, COUNT(*) AS n, AVG(hours_per_week) AS h FROM adult GROUP BY sex';
const schemaPath = join(root, 'examples/adult.schema.json');
const csvPath = join(root, 'examples/adult.csv');

/** Adult in a DuckDB database file, read through tsdp's CSV view (declared types, the one-record rule). */
async function adultDuckDbFile(dir: string): Promise<string> {
  const file = join(dir, 'adult.duckdb');
  const table = loadSqlSchema(schemaPath).tables.get('adult');
  if (!table) throw new Error('no adult table');
  const columnTypes = { adult: Object.fromEntries([...table.columns].map(([c, col]) => [c, col.type])) };
  const e = await DuckDbEngine.open({ files: { adult: csvPath }, columnTypes, allowExternalAccess: true });
  await e.connection.run(`ATTACH '${file.replace(/'/g, "''")}' AS out`);
  await e.connection.run('CREATE TABLE out.adult AS SELECT * FROM adult');
  await e.connection.run('DETACH out');
  await e.close();
  return file;
}

const work = mkdtempSync(join(tmpdir(), 'tsdp-bench-server-'));
const source = ENGINE === 'csv' ? { files: { adult: csvPath } } : { db: `duckdb:${await adultDuckDbFile(work)}` };
const config = (state: string) =>
  parseServerConfig(
    {
      server: { stateDir: state, padLatencyMs: 0, rateLimit: { perSecond: 1e6, burst: 1e6 }, maxConcurrentPerAnalyst: 1024 },
      datasets: {
        adult: {
          schema: schemaPath,
          ...source,
          cap: { epsilon: 1e6, delta: 1e-6 },
          analysts: { bench: { epsilon: 1e6, delta: 1e-6 } },
        },
      },
    },
    root,
  );

interface Figures {
  qps: number;
  /** CPU time of this process (all threads: JS, DuckDB, fsync) per query, ms: steadier than wall time on a loaded machine. */
  cpu: number;
  p50: number;
  p99: number;
  /** HTTP: the client thread's share of `cpu` (Linux), ms per query. */
  clientCpu?: number;
}

const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

function report(
  label: string,
  times: number[],
  wall: number,
  cpuMicros: { user: number; system: number },
  clientTicks?: number | null,
): Figures {
  const sorted = [...times].sort((a, b) => a - b);
  const n = times.length;
  const f: Figures = {
    qps: n / (wall / 1000),
    cpu: (cpuMicros.user + cpuMicros.system) / 1000 / n,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
  };
  // Clock ticks are 10 ms on Linux (USER_HZ 100).
  if (typeof clientTicks === 'number') f.clientCpu = (clientTicks * 10) / n;
  console.log(
    `${label.padEnd(72)} ${f.qps.toFixed(0).padStart(6)} q/s   p50 ${f.p50.toFixed(2)} ms   p99 ${f.p99.toFixed(2)} ms   CPU ${f.cpu.toFixed(2)} ms/query${f.clientCpu === undefined ? '' : ` (client ${f.clientCpu.toFixed(2)})`}`,
  );
  return f;
}

/** One timed batch: times per query, wall time, this process's CPU and the client thread's clock ticks. */
interface Batch {
  times: number[];
  wall: number;
  cpu: { user: number; system: number };
  clientTicks?: number | null;
}

/** Runs `one()` n times at the given concurrency (no warm-up). */
async function libraryBatch(n: number, concurrency: number, one: () => Promise<void>): Promise<Batch> {
  const times: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) {
        const s = performance.now();
        await one();
        times.push(performance.now() - s);
      }
    }),
  );
  return { times, wall: performance.now() - t0, cpu: process.cpuUsage(cpu0) };
}

/**
 * A query text no earlier call of the run had: the same GROUP BY over a WHERE range of ages and a floor on hours
 * (17 ≤ lo < hi ≤ 90, hours ≥ 0…9: 26,280 texts), so neither the plan cache nor the exact-aggregate cache hits.
 */
let distinctCalls = 0;
function distinctSql(): string {
  const i = distinctCalls++;
  let k = Math.floor(i / 10);
  for (let lo = 17; lo < 90; lo++) {
    const span = 90 - lo;
    if (k < span)
      return `SELECT sex, COUNT(*) AS n, AVG(hours_per_week) AS h FROM adult WHERE age >= ${lo} AND age <= ${lo + 1 + k} AND hours_per_week >= ${i % 10} GROUP BY sex`;
    k -= span;
  }
  throw new Error('more distinct queries than texts: lower the query count');
}

const cfg = config(join(work, 'state'));
const server = await createQueryServer(cfg, { playgroundDir: null });
const url = await server.listen(0);
const key = server.keys.create('bench').token;
const adultConfig = cfg.datasets.get('adult');
if (!adultConfig) throw new Error('no adult data set');
// The plain library: no cache of any kind, the in-thread file ledger (one fsync per charge).
const plain = await openDataset({ ...adultConfig, exactAggregateCache: false }, 10_000, cfg.server.duckdbConnections);
const plainLedger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-bench-lib-')) });
// The library doing the server's work: its plan cache (salt kept), exact-aggregate cache (as configured) and group commit
// on the threaded file ledger — the same durable ledger as the server's (every answer waits for its record's fsync).
const lib = await openDataset(adultConfig, 10_000, cfg.server.duckdbConnections);
const sameLedger = new GroupCommitLedger(new ThreadedFileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-bench-lib2-')) }));
const plans = new PlanCache();
if (adultConfig.exactAggregateCache) plans.keepSaltFor(lib.schema);
const viaLibrary = async () => {
  await runDpSql({ sql: SQL, schema: plain.schema, engine: plain.engine, ledger: plainLedger, analyst: 'bench', epsilon: 0.001 });
};
const libraryWith = (sqlOf: () => string) => async () => {
  await runDpSql({
    sql: sqlOf(),
    schema: lib.schema,
    engine: lib.engine,
    ledger: sameLedger,
    planCache: plans,
    analyst: 'bench',
    epsilon: 0.001,
  });
};
const bodyOf = (sql: string) => JSON.stringify({ dataset: 'adult', sql, epsilon: 0.001 });
const repeated = () => SQL;

type ClientKind = 'node:http' | 'minimal';
/**
 * An HTTP client in a worker thread (its own event loop), kept for the whole workload so its keep-alive sockets stay
 * open between rounds, as a real client session's do. `node:http`: an Agent with keep-alive; `minimal`: one socket
 * per concurrent stream, each request's bytes built before the clock starts, the response read up to its
 * Content-Length and its status checked (a load generator's client). A batch answers {times, wall, clientTicks}.
 */
function httpClient(kind: ClientKind) {
  const code = `
    const { parentPort, workerData: w } = require('node:worker_threads');
    const http = require('node:http');
    const net = require('node:net');
    const u = new URL(w.url);
    // This thread's CPU (user + system, clock ticks) on Linux, to tell the client's CPU from the server's.
    const threadTicks = () => {
      try {
        const st = require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        return Number(f[11]) + Number(f[12]);
      } catch { return null; }
    };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const viaNodeHttp = () => (body) => new Promise((done, fail) => {
      const req = http.request({ agent, host: u.hostname, port: u.port, path: '/v1/queries', method: 'POST',
        headers: { authorization: 'Bearer ' + w.key, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const parts = []; res.on('data', (d) => parts.push(d));
        res.on('end', () => res.statusCode === 200 ? done() : fail(new Error('HTTP ' + res.statusCode + ': ' + Buffer.concat(parts))));
      });
      req.on('error', fail); req.end(body);
    });
    const requestBytes = (body) => Buffer.from('POST /v1/queries HTTP/1.1\\r\\nhost: ' + u.host + '\\r\\nauthorization: Bearer ' + w.key +
      '\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body);
    // One kept-alive socket per concurrent stream; its requests are sequential, so a response ends where its
    // Content-Length says. A socket the server closed (its keep-alive timeout, between rows) is replaced before the
    // next batch; a request in flight on a socket that closes fails loudly instead of waiting for ever.
    const sockets = [];
    const minimalStream = (socket) => {
      let buf = Buffer.alloc(0); let waiting = null; let failing = null;
      const stream = { alive: true };
      const dead = () => {
        stream.alive = false;
        const f = failing; waiting = null; failing = null;
        f?.(new Error('the server closed the connection during a request'));
      };
      socket.on('close', dead); socket.on('end', dead); socket.on('error', dead);
      socket.on('data', (d) => {
        buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
        const end = buf.indexOf('\\r\\n\\r\\n'); if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const m = /\\r\\ncontent-length: *(\\d+)/i.exec(head);
        const length = m ? Number(m[1]) : 0;
        if (buf.length < end + 4 + length) return;
        const status = Number(head.slice(9, 12));
        const body = buf.subarray(end + 4, end + 4 + length);
        buf = buf.subarray(end + 4 + length);
        const cb = waiting; waiting = null; failing = null; cb?.(status, body);
      });
      stream.send = (bytes) => new Promise((done, fail) => {
        if (!stream.alive) { fail(new Error('request on a closed connection')); return; }
        waiting = (status, body) => status === 200 ? done() : fail(new Error('HTTP ' + status + ': ' + body));
        failing = fail;
        socket.write(bytes);
      });
      return stream;
    };
    const streams = async (c) => {
      for (let i = sockets.length - 1; i >= 0; i--) if (!sockets[i].alive) sockets.splice(i, 1);
      while (sockets.length < c) {
        const socket = net.connect(Number(u.port), u.hostname);
        socket.setNoDelay(true);
        await new Promise((r, f) => { socket.once('connect', r); socket.once('error', f); });
        sockets.push(minimalStream(socket));
      }
      return sockets.slice(0, c).map((s) => s.send);
    };
    parentPort.on('message', async ({ bodies, c }) => {
      try {
        const senders = w.kind === 'minimal' ? await streams(c) : Array.from({ length: c }, viaNodeHttp);
        const items = w.kind === 'minimal' ? bodies.map(requestBytes) : bodies;
        const ticks0 = threadTicks();
        parentPort.postMessage({ start: true });
        const times = []; let next = 0; const t0 = performance.now();
        await Promise.all(senders.map(async (send) => {
          for (let i = next++; i < items.length; i = next++) { const s = performance.now(); await send(items[i]); times.push(performance.now() - s); }
        }));
        const wall = performance.now() - t0;
        const t1 = threadTicks();
        parentPort.postMessage({ times, wall, clientTicks: t1 === null || ticks0 === null ? null : t1 - ticks0 });
      } catch (e) { parentPort.postMessage({ error: String(e) }); }
    });`;
  const worker = new Worker(code, { eval: true, workerData: { url, key, kind } });
  return {
    kind,
    /** Sends `bodies` (in order) over `concurrency` streams. */
    batch(bodies: string[], concurrency: number): Promise<Batch> {
      return new Promise((done, fail) => {
        let cpu0 = process.cpuUsage();
        const onMessage = (m: { start?: true; times?: number[]; wall?: number; clientTicks?: number | null; error?: string }) => {
          if (m.start) {
            cpu0 = process.cpuUsage();
            return;
          }
          worker.off('message', onMessage);
          if (m.error || !m.times || m.wall === undefined) fail(new Error(m.error ?? 'no figures'));
          else done({ times: m.times, wall: m.wall, cpu: process.cpuUsage(cpu0), clientTicks: m.clientTicks ?? null });
        };
        worker.on('message', onMessage);
        worker.postMessage({ bodies, c: concurrency });
      });
    },
    close: () => worker.terminate(),
  };
}
const bodiesOf = (sqlOf: () => string, n: number) => Array.from({ length: n }, () => bodyOf(sqlOf()));

/** Pools batches: all times, the summed wall and CPU. */
function pooled(batches: Batch[]): Batch {
  const sum = (f: (b: Batch) => number) => batches.reduce((a, b) => a + f(b), 0);
  const ticks = batches.every((b) => typeof b.clientTicks === 'number') ? sum((b) => b.clientTicks ?? 0) : null;
  return {
    times: batches.flatMap((b) => b.times),
    wall: sum((b) => b.wall),
    cpu: { user: sum((b) => b.cpu.user), system: sum((b) => b.cpu.system) },
    clientTicks: ticks,
  };
}

/**
 * The sequential library row and the sequential HTTP rows of one workload, like with like: each warmed up with
 * WARMUP queries, then ROUNDS interleaved rounds of N/ROUNDS queries each (the order turning every round).
 */
async function sequentialRows(what: string, sqlOf: () => string, clients: ReturnType<typeof httpClient>[]) {
  const one = libraryWith(sqlOf);
  await libraryBatch(WARMUP, 1, one);
  for (const c of clients) await c.batch(bodiesOf(sqlOf, WARMUP), 1);
  const per = Math.max(1, Math.floor(N / ROUNDS));
  const libBatches: Batch[] = [];
  const httpBatches: Batch[][] = clients.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    const sides = [-1, ...clients.keys()];
    if (r % 2 === 1) sides.reverse();
    for (const side of sides) {
      if (side < 0) libBatches.push(await libraryBatch(per, 1, one));
      else await httpBatches[side]?.push(await (clients[side] as ReturnType<typeof httpClient>).batch(bodiesOf(sqlOf, per), 1));
    }
  }
  const l = pooled(libBatches);
  const libFigures = report(`library + server parts, sequential, ${what}`, l.times, l.wall, l.cpu);
  const httpFigures = clients.map((c, i) => {
    const h = pooled(httpBatches[i] ?? []);
    return report(`HTTP (${c.kind} client in a worker), sequential, ${what}`, h.times, h.wall, h.cpu, h.clientTicks);
  });
  return { libFigures, httpFigures };
}

/** A concurrent library row and the concurrent HTTP rows of one workload, each after WARMUP queries. */
async function concurrentRows(what: string, sqlOf: () => string, clients: ReturnType<typeof httpClient>[]) {
  const one = libraryWith(sqlOf);
  await libraryBatch(WARMUP, C, one);
  const l = await libraryBatch(N, C, one);
  report(`library + server parts, concurrency ${C}, ${what}`, l.times, l.wall, l.cpu);
  const out: Figures[] = [];
  for (const c of clients) {
    await c.batch(bodiesOf(sqlOf, WARMUP), C);
    const h = await c.batch(bodiesOf(sqlOf, N), C);
    out.push(report(`HTTP (${c.kind} client in a worker), concurrency ${C}, ${what}`, h.times, h.wall, h.cpu, h.clientTicks));
  }
  return out;
}

const load0 = loadavg()[0] ?? Number.NaN;
console.log(
  `DP GROUP BY on Adult (30,162 rows), engine ${ENGINE}, file ledger (each charge fsynced before its answer), padding off, ${N} queries; exact-aggregate cache ${adultConfig.exactAggregateCache ? 'on' : 'off'}`,
);
{
  await libraryBatch(WARMUP, 1, viaLibrary);
  const b = await libraryBatch(N, 1, viaLibrary);
  report('library runDpSql, no caches, sequential', b.times, b.wall, b.cpu);
}
const clients = [httpClient('minimal'), httpClient('node:http')];
console.log(
  `— repeated query (same text: plan, salt and exact aggregates reused after the first; fresh noise, each charged); sequential rows in ${ROUNDS} interleaved rounds after ${WARMUP} warm-up queries each`,
);
const seq = await sequentialRows('repeated', repeated, clients);
const conc = await concurrentRows('repeated', repeated, clients);
console.log('— distinct queries (every text new in the run: no plan-cache or exact-aggregate-cache hit)');
const seqD = await sequentialRows('distinct', distinctSql, clients);
const concD = await concurrentRows('distinct', distinctSql, clients);
for (const c of clients) await c.close();
const load1 = loadavg()[0] ?? Number.NaN;
const cores = (await import('node:os')).cpus().length;
// On a busy machine wall-clock figures cannot decide a goal (a negative overhead happens): say so instead of MET.
const busy = Math.max(load0, load1) > cores / 2;
const verdict = (ok: boolean) => (busy ? `undecided (busy machine; ${ok ? 'met' : 'not met'} in this run)` : ok ? 'MET' : 'NOT MET');
console.log('');
const overheadOf = (r: typeof seq, i: number) => (r.httpFigures[i]?.p50 ?? Number.NaN) - r.libFigures.p50;
for (const [what, r] of [
  ['repeated', seq],
  ['distinct', seqD],
] as const) {
  clients.forEach((c, i) => {
    const overhead = overheadOf(r, i);
    console.log(
      `goal 1, server overhead at p50 ≤ 1 ms, ${what}, ${c.kind} client: ${overhead.toFixed(2)} ms (HTTP ${r.httpFigures[i]?.p50.toFixed(2)} − library ${r.libFigures.p50.toFixed(2)}) — ${c.kind === 'minimal' ? verdict(overhead <= 1) : 'shown (the client’s own request building and parsing are in it)'}`,
    );
  });
}
for (const [what, figures] of [
  ['repeated (exact-aggregate cache hits)', conc],
  ['distinct (no cache hits)', concD],
] as const) {
  clients.forEach((c, i) => {
    const h = figures[i];
    if (!h) return;
    console.log(
      `goal 2, ≥ 500 DP queries/s through HTTP, ${what}, ${c.kind} client: ${h.qps.toFixed(0)} q/s at concurrency ${C} (${(h.qps / 500).toFixed(2)}×; CPU ${h.cpu.toFixed(2)} ms/query, server and client threads: at most ${((cores * 1000) / h.cpu).toFixed(0)} q/s on ${cores} idle cores${h.clientCpu === undefined ? '' : `; the server alone ${(h.cpu - h.clientCpu).toFixed(2)} ms/query: at most ${((cores * 1000) / (h.cpu - h.clientCpu)).toFixed(0)} q/s with the client elsewhere`}) — ${verdict(h.qps >= 500)}`,
    );
  });
}
console.log(
  `goals on distinct queries (the ones that count), minimal client: overhead ${verdict(overheadOf(seqD, 0) <= 1)}, throughput ${verdict((concD[0]?.qps ?? 0) >= 500)}`,
);
const hits = (e: unknown) => (e instanceof ExactAggregateCache ? `${e.hits} hits, ${e.misses} misses` : 'off');
console.log(
  `server exact-aggregate cache: ${hits(server.datasets.get('adult')?.engine)}; library: plan cache ${plans.hits} hits, ${plans.misses} misses; exact-aggregate cache ${hits(lib.engine)}; group commit ${sameLedger.batched} charges in ${sameLedger.batches} fsyncs`,
);
console.log(`load average (1 min) ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end, on ${cores} cores`);
if (Math.max(load0, load1) > cores / 2) {
  console.log(
    'WARNING: the machine was busy (load average above half the cores): these figures are indicative only, not the quiet-machine figures the goals are stated for; a difference of a few ms between the paths is within the noise',
  );
}
await server.close();
await plain.engine.close();
await lib.engine.close();
await plainLedger.close();
await sameLedger.close();
