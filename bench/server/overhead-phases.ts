/**
 * Where the HTTP overhead of one query goes (issue 15, goal 1): the repeated
 * DP GROUP BY on Adult, sequential, library and HTTP interleaved in rounds (so
 * both see the same machine), with the server's request split into phases by
 * Fastify hooks added for the measurement:
 *
 *   client → onRequest      the client's send, loopback, Node's HTTP parser, routing
 *   onRequest → preHandler  body read and JSON-parsed, schema validation, the API key (HMAC), the rate limit
 *   preHandler → onSend     the handler (runDpSql, the answer object) and its serialisation
 *   onSend → client         the socket write, loopback, the client's parse of the answer
 *
 *   npx tsx bench/server/overhead-phases.ts [rounds=6] [queries per round=100]
 *
 * Prints the medians per round and over all rounds. The library side is the
 * benchmark's "library + server parts" (plan cache, exact-aggregate cache,
 * group commit on the threaded file ledger: the same durable ledger, one fsync
 * per answer when sequential).
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createQueryServer } from '../../src/server/app.js';
import { openDataset } from '../../src/server/datasets.js';
import { GroupCommitLedger } from '../../src/server/group-commit.js';
import { PlanCache } from '../../src/server/plan-cache.js';
import { ThreadedFileLedger } from '../../src/server/threaded-ledger.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { adultDbConfig } from './adult-db-config.js';
import { threadCpuMs } from './thread-cpu.js';

const ROUNDS = Number(process.argv[2] ?? 6);
const N = Number(process.argv[3] ?? 100);
/** `both` (default), or only `http` / `library` (for a CPU profile of one side: `node --import tsx --cpu-prof …`). */
const SIDES = process.argv[4] ?? 'both';
const SQL = 'SELECT sex, COUNT(*) AS n, AVG(hours_per_week) AS h FROM adult GROUP BY sex';
const work = mkdtempSync(join(tmpdir(), 'tsdp-bench-phases-'));

const cfg = await adultDbConfig(work);
const server = await createQueryServer(cfg, { playgroundDir: null });
// Phase stamps, per request (hooks added for the measurement; Fastify applies them to every route at ready).
const stamps = new WeakMap<object, number[]>();
const phases: number[][] = [];
server.app.addHook('onRequest', async (request) => {
  stamps.set(request, [performance.timeOrigin + performance.now()]);
});
const stamp = async (request: object) => {
  stamps.get(request)?.push(performance.timeOrigin + performance.now());
};
server.app.addHook('preParsing', stamp);
server.app.addHook('preValidation', stamp);
server.app.addHook('preHandler', stamp);
server.app.addHook('preSerialization', stamp);
server.app.addHook('onSend', async (request, _reply, payload) => {
  stamps.get(request)?.push(performance.timeOrigin + performance.now());
  return payload;
});
server.app.addHook('onResponse', async (request) => {
  const s = stamps.get(request);
  if (s) phases.push([...s, performance.timeOrigin + performance.now()]);
});
const url = await server.listen(0);
const key = server.keys.create('bench').token;
const adult = cfg.datasets.get('adult');
if (!adult) throw new Error('no adult');
const lib = await openDataset(adult, 10_000, cfg.server.duckdbConnections);
const ledger = new GroupCommitLedger(new ThreadedFileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-bench-phases-lib-')) }));
const plans = new PlanCache();
if (adult.exactAggregateCache) plans.keepSaltFor(lib.schema);
const viaLibrary = () =>
  runDpSql({ sql: SQL, schema: lib.schema, engine: lib.engine, ledger, planCache: plans, analyst: 'bench', epsilon: 0.001 });

const clientCode = `
  const { parentPort, workerData: w } = require('node:worker_threads');
  const http = require('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(w.url + '/v1/queries');
  const body = JSON.stringify({ dataset: 'adult', sql: w.sql, epsilon: 0.001 });
  const one = () => new Promise((done, fail) => {
    const sent = performance.timeOrigin + performance.now();
    const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: { authorization: 'Bearer ' + w.key, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const parts = []; res.on('data', (d) => parts.push(d));
      res.on('end', () => { JSON.parse(Buffer.concat(parts).toString()); res.statusCode === 200 ? done([sent, performance.timeOrigin + performance.now()]) : fail(new Error('HTTP ' + res.statusCode)); });
    });
    req.on('error', fail); req.end(body);
  });
  parentPort.on('message', async (n) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await one());
    parentPort.postMessage(out);
  });`;
const client = new Worker(clientCode, { eval: true, workerData: { url, key, sql: SQL } });
const httpRound = (n: number) =>
  new Promise<[number, number][]>((done) => {
    client.once('message', done);
    client.postMessage(n);
  });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const names = [
  'client → onRequest',
  'onRequest → preParsing (key, rate limit)',
  'preParsing → preValidation (body)',
  'preValidation → preHandler (schema)',
  'preHandler → preSerialization (handler)',
  'preSerialization → onSend (serialise)',
  'onSend → onResponse (write)',
  'onSend → client',
];
const all: { lib: number[]; http: number[]; parts: number[][]; libCpu: number[]; httpCpu: number[] } = {
  lib: [],
  http: [],
  parts: names.map(() => []),
  libCpu: [],
  httpCpu: [],
};
for (let i = 0; i < 10; i++) await viaLibrary();
await httpRound(10);
phases.length = 0;
console.log(`load average ${loadavg()[0]?.toFixed(2)}; ${ROUNDS} rounds × ${N} queries each way, sequential, repeated query, padding off`);
for (let r = 0; r < ROUNDS; r++) {
  const libTimes: number[] = [];
  const c0 = threadCpuMs();
  for (let i = 0; i < (SIDES === 'http' ? 0 : N); i++) {
    const s = performance.now();
    await viaLibrary();
    libTimes.push(performance.now() - s);
  }
  const c1 = threadCpuMs();
  phases.length = 0;
  const trips = SIDES === 'library' ? [] : await httpRound(N);
  const c2 = threadCpuMs();
  const httpTimes = trips.map(([a, b]) => b - a);
  if (SIDES !== 'http') all.libCpu.push((c1 - c0) / N);
  if (SIDES !== 'library') all.httpCpu.push((c2 - c1) / N);
  const parts = names.map(() => [] as number[]);
  trips.forEach(([sent, got], i) => {
    const p = phases[i];
    if (p?.length !== 7) return;
    parts[0]?.push((p[0] ?? 0) - sent);
    for (let k = 1; k < 7; k++) parts[k]?.push((p[k] ?? 0) - (p[k - 1] ?? 0));
    parts[7]?.push(got - (p[5] ?? 0));
  });
  all.lib.push(...libTimes);
  all.http.push(...httpTimes);
  parts.forEach((p, k) => {
    all.parts[k]?.push(...p);
  });
  console.log(
    `round ${r + 1}: library p50 ${median(libTimes).toFixed(3)} ms, HTTP p50 ${median(httpTimes).toFixed(3)} ms (overhead ${(median(httpTimes) - median(libTimes)).toFixed(3)}); main-thread CPU per query: library ${((c1 - c0) / N).toFixed(3)} ms, HTTP ${((c2 - c1) / N).toFixed(3)} ms`,
  );
}
console.log(
  `all rounds: library p50 ${median(all.lib).toFixed(3)} ms, HTTP p50 ${median(all.http).toFixed(3)} ms, overhead ${(median(all.http) - median(all.lib)).toFixed(3)} ms`,
);
console.log(
  `main-thread CPU per query (median of rounds): library ${median(all.libCpu).toFixed(3)} ms, HTTP server ${median(all.httpCpu).toFixed(3)} ms`,
);
for (const [k, n] of names.entries()) console.log(`  ${n.padEnd(44)} p50 ${median(all.parts[k] ?? []).toFixed(3)} ms`);
console.log(`load average ${loadavg()[0]?.toFixed(2)} at end`);
await client.terminate();
await server.close();
await lib.engine.close();
await ledger.close();
