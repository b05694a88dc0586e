/**
 * Server overhead and throughput (issue 15): a DP GROUP BY on Adult through
 * HTTP (tsdp serve's app on loopback, padding off) against the same query
 * through the library (runDpSql on the same kind of engine and ledger), in the
 * same run. Prints requests/s and p50/p99 latency for each, sequential and with
 * concurrency C, then the two goals with their ratios:
 *   overhead = HTTP p50 − library p50 (sequential; the library with the
 *              server's plan cache and group commit, i.e. the same work)  goal ≤ 1 ms
 *   throughput = HTTP DP queries/s at concurrency C (the client in a worker
 *                thread, so the server's event loop runs only the server)  goal ≥ 500
 *
 *   npx tsx bench/server/http-vs-library.ts [queries=300] [concurrency=8] [engine=duckdb-file|csv]
 *
 * Engine `duckdb-file` (default): Adult loaded once (through tsdp's own CSV
 * reader, declared types) into a DuckDB database file, served read-only (`db:
 * duckdb:…`). `csv`: the CSV read in place on every query (≈ 30 ms of CSV parsing
 * per query). Ledger: the file ledger (every charge fsynced before its answer).
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { createQueryServer } from '../../src/server/app.js';
import { parseServerConfig } from '../../src/server/config.js';
import { openDataset } from '../../src/server/datasets.js';
import { GroupCommitLedger } from '../../src/server/group-commit.js';
import { PlanCache } from '../../src/server/plan-cache.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { loadSqlSchema } from '../../src/sql/schema.js';

const N = Number(process.argv[2] ?? 300);
const C = Number(process.argv[3] ?? 8);
const ENGINE = process.argv[4] ?? 'duckdb-file';
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
}

async function measure(label: string, concurrency: number, one: () => Promise<void>): Promise<Figures> {
  for (let i = 0; i < 10; i++) await one(); // warm-up
  const times: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < N) {
        const s = performance.now();
        await one();
        times.push(performance.now() - s);
      }
    }),
  );
  const wall = performance.now() - t0;
  const cpu1 = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN;
  const f = { qps: N / (wall / 1000), cpu: (cpu1.user + cpu1.system) / 1000 / N, p50: q(0.5), p99: q(0.99) };
  console.log(
    `${label.padEnd(52)} ${f.qps.toFixed(0).padStart(6)} q/s   p50 ${f.p50.toFixed(2)} ms   p99 ${f.p99.toFixed(2)} ms   CPU ${f.cpu.toFixed(2)} ms/query`,
  );
  return f;
}

const cfg = config(join(work, 'state'));
const server = await createQueryServer(cfg, { playgroundDir: null });
const url = await server.listen(0);
const key = server.keys.create('bench').token;
const lib = await openDataset(cfg.datasets.get('adult') as never, 10_000, cfg.server.duckdbConnections);
const plainLedger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-bench-lib-')) });
const sameLedger = new GroupCommitLedger(new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-bench-lib2-')) }));
const plans = new PlanCache();
const viaLibrary = async () => {
  await runDpSql({ sql: SQL, schema: lib.schema, engine: lib.engine, ledger: plainLedger, analyst: 'bench', epsilon: 0.001 });
};
const viaLibrarySame = async () => {
  await runDpSql({
    sql: SQL,
    schema: lib.schema,
    engine: lib.engine,
    ledger: sameLedger,
    planCache: plans,
    analyst: 'bench',
    epsilon: 0.001,
  });
};
const body = JSON.stringify({ dataset: 'adult', sql: SQL, epsilon: 0.001 });
const viaHttp = async () => {
  const r = await fetch(`${url}/v1/queries`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
  });
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
  await r.arrayBuffer();
};
/**
 * The HTTP client in a worker thread (its own event loop), so the server's event loop does not also run the load
 * generator: the throughput a separate client would see. Same warm-up, count and figures as `measure`.
 */
function measureHttpInWorker(label: string, concurrency: number): Promise<Figures> {
  const code = `
    const { parentPort, workerData: w } = require('node:worker_threads');
    const one = async () => {
      const r = await fetch(w.url + '/v1/queries', { method: 'POST', headers: { authorization: 'Bearer ' + w.key, 'content-type': 'application/json' }, body: w.body });
      if (r.status !== 200) throw new Error('HTTP ' + r.status + ': ' + (await r.text()));
      await r.arrayBuffer();
    };
    (async () => {
      for (let i = 0; i < 10; i++) await one();
      parentPort.postMessage({ start: true });
      const times = []; let next = 0; const t0 = performance.now();
      await Promise.all(Array.from({ length: w.c }, async () => {
        while (next++ < w.n) { const s = performance.now(); await one(); times.push(performance.now() - s); }
      }));
      parentPort.postMessage({ times, wall: performance.now() - t0 });
    })().catch((e) => parentPort.postMessage({ error: String(e) }));`;
  return new Promise((done, fail) => {
    const worker = new Worker(code, { eval: true, workerData: { url, key, body, n: N, c: concurrency } });
    let cpu0 = process.cpuUsage();
    worker.on('message', (m: { start?: true; times?: number[]; wall?: number; error?: string }) => {
      if (m.start) {
        cpu0 = process.cpuUsage();
        return;
      }
      if (m.error || !m.times || m.wall === undefined) {
        fail(new Error(m.error ?? 'no figures'));
        return;
      }
      const cpu1 = process.cpuUsage(cpu0);
      const times = m.times.sort((a, b) => a - b);
      const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN;
      const f = { qps: N / (m.wall / 1000), cpu: (cpu1.user + cpu1.system) / 1000 / N, p50: q(0.5), p99: q(0.99) };
      console.log(
        `${label.padEnd(52)} ${f.qps.toFixed(0).padStart(6)} q/s   p50 ${f.p50.toFixed(2)} ms   p99 ${f.p99.toFixed(2)} ms   CPU ${f.cpu.toFixed(2)} ms/query`,
      );
      void worker.terminate().then(() => done(f));
    });
    worker.on('error', fail);
  });
}

const load0 = loadavg()[0] ?? Number.NaN;
console.log(
  `DP GROUP BY on Adult (30,162 rows), engine ${ENGINE}, file ledger (each charge fsynced before its answer), padding off, ${N} queries`,
);
await measure('library runDpSql, sequential', 1, viaLibrary);
const libSeq = await measure('library + plan cache + group commit, sequential', 1, viaLibrarySame);
const httpSeq = await measure('HTTP, sequential', 1, viaHttp);
await measure(`library runDpSql, concurrency ${C}`, C, viaLibrary);
await measure(`library + plan cache + group commit, concurrency ${C}`, C, viaLibrarySame);
await measure(`HTTP, concurrency ${C} (client on the same event loop)`, C, viaHttp);
const httpC = await measureHttpInWorker(`HTTP, concurrency ${C} (client in a worker thread)`, C);
const load1 = loadavg()[0] ?? Number.NaN;
const overhead = httpSeq.p50 - libSeq.p50;
console.log('');
console.log(
  `goal 1, HTTP overhead at p50 ≤ 1 ms: ${overhead.toFixed(2)} ms (HTTP ${httpSeq.p50.toFixed(2)} − library ${libSeq.p50.toFixed(2)}; HTTP/library ${(httpSeq.p50 / libSeq.p50).toFixed(2)}×) — ${overhead <= 1 ? 'MET' : 'NOT MET'}`,
);
console.log(
  `goal 2, ≥ 500 DP queries/s through HTTP: ${httpC.qps.toFixed(0)} q/s at concurrency ${C} (${(httpC.qps / 500).toFixed(2)}× the goal) — ${httpC.qps >= 500 ? 'MET' : 'NOT MET'}`,
);
const cores = (await import('node:os')).cpus().length;
console.log(
  `CPU per HTTP query at concurrency ${C}: ${httpC.cpu.toFixed(2)} ms (server and client threads of this one process): at most ${((cores * 1000) / httpC.cpu).toFixed(0)} q/s on ${cores} idle cores`,
);
console.log(
  `plan cache hits ${plans.hits}, misses ${plans.misses}; library group commit ${sameLedger.batched} charges in ${sameLedger.batches} fsyncs`,
);
console.log(`load average (1 min) ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end, on ${cores} cores`);
if (Math.max(load0, load1) > cores / 2) {
  console.log(
    'WARNING: the machine was busy (load average above half the cores): these figures are indicative only, not the quiet-machine figures the goals are stated for; a difference of a few ms between the paths is within the noise',
  );
}
await server.close();
await lib.engine.close();
await plainLedger.close();
await sameLedger.close();
