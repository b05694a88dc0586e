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
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createQueryServer } from '../../src/server/app.js';
import { parseServerConfig } from '../../src/server/config.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { loadSqlSchema } from '../../src/sql/schema.js';

const N = Number(process.argv[2] ?? 2000);
const C = Number(process.argv[3] ?? 8);
const WARMUP = Number(process.argv[4] ?? 1500);
const root = resolve(import.meta.dirname, '../..');
const schemaPath = join(root, 'examples/adult.schema.json');

/** CPU ns of every thread of this process, by tid (Linux; empty elsewhere). */
function threadCpu(): Map<string, number> {
  const m = new Map<string, number>();
  try {
    for (const t of readdirSync('/proc/self/task')) {
      try {
        m.set(t, Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]));
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    // Not Linux.
  }
  return m;
}
const beforeServer = new Set(threadCpu().keys());
const duckdbThreads = new Set<string>();

const work = mkdtempSync(join(tmpdir(), 'tsdp-bench-threads-'));
const file = join(work, 'adult.duckdb');
{
  const table = loadSqlSchema(schemaPath).tables.get('adult');
  if (!table) throw new Error('no adult table');
  const columnTypes = { adult: Object.fromEntries([...table.columns].map(([c, col]) => [c, col.type])) };
  const e = await DuckDbEngine.open({ files: { adult: join(root, 'examples/adult.csv') }, columnTypes, allowExternalAccess: true });
  await e.connection.run(`ATTACH '${file.replace(/'/g, "''")}' AS out`);
  await e.connection.run('CREATE TABLE out.adult AS SELECT * FROM adult');
  await e.connection.run('DETACH out');
  // Which threads run DuckDB: those that work while only DuckDB statements run (libuv's pool).
  const d0 = threadCpu();
  for (let i = 0; i < 200; i++) await e.connection.run(`SELECT sex, count(*), sum(age) FROM adult WHERE age > ${i % 50} GROUP BY sex`);
  const d1 = threadCpu();
  const total = [...d1].reduce((a, [tid, ns]) => a + ns - (d0.get(tid) ?? 0), 0);
  for (const [tid, ns] of d1) if (tid !== String(process.pid) && ns - (d0.get(tid) ?? 0) > total / 20) duckdbThreads.add(tid);
  await e.close();
}
const config = parseServerConfig(
  {
    server: { stateDir: join(work, 'state'), padLatencyMs: 0, rateLimit: { perSecond: 1e6, burst: 1e6 }, maxConcurrentPerAnalyst: 1024 },
    datasets: {
      adult: {
        schema: schemaPath,
        db: `duckdb:${file}`,
        cap: { epsilon: 1e6, delta: 1e-6 },
        analysts: { bench: { epsilon: 1e6, delta: 1e-6 } },
      },
    },
  },
  root,
);
const server = await createQueryServer(config, { playgroundDir: null });
const url = await server.listen(0);
const key = server.keys.create('bench').token;
const atStart = new Set(threadCpu().keys());

let calls = 0;
/** A new text every call, one shape (as distinct-cost.ts). */
function distinctSql(): string {
  const i = calls++;
  const lo = 17 + (Math.floor(i / 10) % 70);
  const hi = lo + 1 + (Math.floor(i / 700) % 19);
  return `SELECT sex, COUNT(*) AS n, AVG(hours_per_week) AS h FROM adult WHERE age >= ${lo} AND age <= ${hi} AND hours_per_week >= ${(i % 10) + 10 * Math.floor(i / 13300)} GROUP BY sex`;
}

// The minimal client of http-vs-library.ts: request bytes built before sending, one kept-alive socket per stream.
const client = new Worker(
  `
  const { parentPort, workerData: w } = require('node:worker_threads');
  const net = require('node:net');
  const fs = require('node:fs');
  const u = new URL(w.url);
  let tid = null;
  try { tid = fs.readlinkSync('/proc/thread-self').split('/').pop(); } catch {}
  parentPort.postMessage({ tid });
  parentPort.on('message', async ({ bodies, c }) => {
    const items = bodies.map((body) => Buffer.from('POST /v1/queries HTTP/1.1\\r\\nhost: ' + u.host + '\\r\\nauthorization: Bearer ' + w.key +
      '\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body));
    let next = 0;
    try {
      await Promise.all(Array.from({ length: c }, async () => {
        const socket = net.connect(Number(u.port), u.hostname);
        socket.setNoDelay(true);
        await new Promise((r, f) => { socket.once('connect', r); socket.once('error', f); });
        let buf = Buffer.alloc(0); let waiting = null;
        socket.on('data', (d) => {
          buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
          const end = buf.indexOf('\\r\\n\\r\\n'); if (end < 0) return;
          const head = buf.subarray(0, end).toString('latin1');
          const m = /\\r\\ncontent-length: *(\\d+)/i.exec(head); const length = m ? Number(m[1]) : 0;
          if (buf.length < end + 4 + length) return;
          const status = head.slice(9, 12); const body = buf.subarray(end + 4, end + 4 + length).toString();
          buf = buf.subarray(end + 4 + length);
          const cb = waiting; waiting = null; cb(status, body);
        });
        for (let i = next++; i < items.length; i = next++) {
          await new Promise((done, fail) => { waiting = (s, b) => (s === '200' ? done() : fail(new Error('HTTP ' + s + ': ' + b))); socket.write(items[i]); });
        }
        socket.end();
      }));
      parentPort.postMessage({ done: true });
    } catch (e) { parentPort.postMessage({ error: String(e) }); }
  });`,
  { eval: true, workerData: { url, key } },
);
const clientTid = await new Promise<string | null>((r) => client.once('message', (m: { tid: string | null }) => r(m.tid)));
const batch = (n: number) =>
  new Promise<void>((done, fail) => {
    client.once('message', (m: { done?: true; error?: string }) => (m.error ? fail(new Error(m.error)) : done()));
    client.postMessage({
      bodies: Array.from({ length: n }, () => JSON.stringify({ dataset: 'adult', sql: distinctSql(), epsilon: 0.001 })),
      c: C,
    });
  });

await batch(WARMUP);
const load0 = loadavg()[0] ?? Number.NaN;
const before = threadCpu();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await batch(N);
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
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
  `distinct DP GROUP BY through HTTP, ${N} queries at concurrency ${C} after ${WARMUP}: ${(N / (wall / 1000)).toFixed(0)} q/s, CPU ${total.toFixed(2)} ms/query (at most ${(2000 / total).toFixed(0)} q/s on two idle cores), load ${load0.toFixed(1)} → ${load1.toFixed(1)}`,
);
for (const [group, ms] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`  ${group.padEnd(36)} ${ms.toFixed(2)} ms/query`);
await client.terminate();
await server.close();
