/**
 * The distinct-query load of `thread-cost.ts` and `statement-shape-http.ts` (issue 15): Adult in a DuckDB database
 * file, the server (`createQueryServer`, the file ledger, padding off) on loopback, and a load generator's minimal
 * keep-alive client in a worker thread (the client of `http-vs-library.ts`: request bytes built before sending, one
 * socket per stream, each response read to its Content-Length and its status checked), every query a new text of one
 * shape (the WHERE range of `distinct-cost.ts`). Also names the process's threads for a per-thread CPU account:
 * those that existed before (`beforeServer`: V8's platform threads, tsx), DuckDB's (libuv's pool: the threads that
 * work while only DuckDB statements run, found before the server starts), those started with the server (`atStart`)
 * and the client's.
 * @module
 */
// First: the server's DuckDB allocator options, before anything loads DuckDB (duckdb-allocator-first.ts).
import './duckdb-allocator-first.js';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createQueryServer } from '../../src/server/app.js';
import { parseServerConfig } from '../../src/server/config.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { loadSqlSchema } from '../../src/sql/schema.js';
import { distinctQueries } from './distinct-queries.js';

const root = resolve(import.meta.dirname, '../..');
const schemaPath = join(root, 'examples/adult.schema.json');

/** CPU ns of every thread of this process, by tid (Linux; empty elsewhere). */
export function threadCpu(): Map<string, number> {
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
/** A running distinct-query load: `batch(n)` sends n new queries at the concurrency given and settles when all are answered. */
export interface DistinctLoad {
  readonly batch: (n: number) => Promise<void>;
  /** The client thread's tid (Linux), or null. */
  readonly clientTid: string | null;
  readonly beforeServer: ReadonlySet<string>;
  readonly duckdbThreads: ReadonlySet<string>;
  readonly atStart: ReadonlySet<string>;
  /** The Adult database file the server reads. */
  readonly file: string;
  /** The next distinct query text (also used by `batch`). */
  readonly distinctSql: () => string;
  close(): Promise<void>;
}

/**
 * Starts the server and the client.
 * @param C - the client's concurrency (streams).
 * @returns the load.
 */
export async function startDistinctLoad(C: number): Promise<DistinctLoad> {
  const beforeServer = new Set(threadCpu().keys());
  const duckdbThreads = new Set<string>();
  const work = mkdtempSync(join(tmpdir(), 'tsdp-bench-distinct-load-'));
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
      server: {
        stateDir: join(work, 'state'),
        padLatencyMs: 0,
        rateLimit: { perSecond: 1e6, burst: 1e6 },
        maxConcurrentPerAnalyst: 1024,
        // DUCKDB_CONNECTIONS=n: the pool's size (default: the server's), to compare pool sizes.
        ...(process.env.DUCKDB_CONNECTIONS ? { duckdbConnections: Number(process.env.DUCKDB_CONNECTIONS) } : {}),
      },
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
  const server = await createQueryServer(config, { playgroundDir: null, shapePlans: process.env.SHAPE_PLANS !== '0' });
  const url = await server.listen(0);
  const key = server.keys.create('bench').token;
  const atStart = new Set(threadCpu().keys());

  // REPEATED=1: every query the same text (the plan-cache and exact-aggregate-cache path).
  const distinctSql = process.env.REPEATED
    ? () => 'SELECT sex, COUNT(*) AS n, AVG(hours_per_week) AS h FROM adult GROUP BY sex'
    : distinctQueries();

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
  const batch = (n: number): Promise<void> =>
    new Promise<void>((done, fail) => {
      client.once('message', (m: { done?: true; error?: string }) => (m.error ? fail(new Error(m.error)) : done()));
      client.postMessage({
        bodies: Array.from({ length: n }, () => JSON.stringify({ dataset: 'adult', sql: distinctSql(), epsilon: 0.001 })),
        c: C,
      });
    });

  return {
    batch,
    clientTid,
    beforeServer,
    duckdbThreads,
    atStart,
    file,
    distinctSql,
    close: async () => {
      await client.terminate();
      await server.close();
    },
  };
}
