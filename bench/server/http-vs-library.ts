/**
 * Server overhead (issue 15): a DP GROUP BY on Adult through HTTP (tsdp serve's
 * app on loopback, padding off) against the same query through the library
 * (runDpSql on the same kind of engine and ledger), in the same run.
 * Prints requests/s and p50/p99 latency for each, sequential and with
 * concurrency C.
 *
 *   npx tsx bench/server/http-vs-library.ts [queries=300] [concurrency=8]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { createQueryServer } from '../../src/server/app.js';
import { parseServerConfig } from '../../src/server/config.js';
import { openDataset } from '../../src/server/datasets.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';

const N = Number(process.argv[2] ?? 300);
const C = Number(process.argv[3] ?? 8);
const root = resolve(import.meta.dirname, '../..');
const SQL = 'SELECT sex, COUNT(*) AS n, AVG(hours_per_week) AS h FROM adult GROUP BY sex';
const config = (state: string) =>
  parseServerConfig(
    {
      server: { stateDir: state, padLatencyMs: 0, rateLimit: { perSecond: 1e6, burst: 1e6 }, maxConcurrentPerAnalyst: 1024 },
      datasets: {
        adult: {
          schema: join(root, 'examples/adult.schema.json'),
          files: { adult: join(root, 'examples/adult.csv') },
          cap: { epsilon: 1e6, delta: 1e-6 },
          analysts: { bench: { epsilon: 1e6, delta: 1e-6 } },
        },
      },
    },
    root,
  );

async function measure(label: string, concurrency: number, one: () => Promise<void>): Promise<void> {
  for (let i = 0; i < 10; i++) await one(); // warm-up
  const times: number[] = [];
  let next = 0;
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
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]?.toFixed(2);
  console.log(`${label.padEnd(34)} ${(N / (wall / 1000)).toFixed(0).padStart(6)} q/s   p50 ${q(0.5)} ms   p99 ${q(0.99)} ms`);
}

const state = mkdtempSync(join(tmpdir(), 'tsdp-bench-server-'));
const cfg = config(state);
const server = await createQueryServer(cfg, { playgroundDir: null });
const url = await server.listen(0);
const key = server.keys.create('bench').token;
const lib = await openDataset(cfg.datasets.get('adult') as never, 10_000);
const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-bench-lib-')) });
const viaLibrary = async () => {
  await runDpSql({ sql: SQL, schema: lib.schema, engine: lib.engine, ledger, analyst: 'bench', epsilon: 0.001 });
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
console.log(`DP GROUP BY on Adult (30,162 rows), file ledger (fsync per charge), padding off, ${N} queries`);
await measure('library, sequential', 1, viaLibrary);
await measure('HTTP, sequential', 1, viaHttp);
await measure(`library, concurrency ${C}`, C, viaLibrary);
await measure(`HTTP, concurrency ${C}`, C, viaHttp);
await server.close();
await lib.engine.close();
await ledger.close();
