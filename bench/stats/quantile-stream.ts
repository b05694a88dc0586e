/**
 * The streamed fine-grid quantile (src/stats/quantile-stream.ts) against the in-memory one on the same histogram:
 * wall time and heap growth of one median release over D distinct values on 2³² bins, side by side in one process.
 * Usage: npx tsx bench/stats/quantile-stream.ts [D = 2000000] [runs = 3]
 */
import { readFileSync } from 'node:fs';
import { makeFineQuantileMeasurement, makeStreamedFineQuantile } from '../../src/stats/quantile-selection.js';
import type { SparseBins } from '../../src/stats/quantile-sparse.js';
import type { BinPass } from '../../src/stats/quantile-stream.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const distinct = Number(process.argv[2] ?? 2_000_000);
const runs = Number(process.argv[3] ?? 3);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const p = { bounds: [0, 2 ** 32] as const, quantile: 0.5, budget: { epsilon: 1 }, intervalShare: 0.2 };
const binOf = (i: number) => i * 2000 + (i % 7);
// The pass generates the bins (as an engine's chunks would arrive): nothing is held.
const pass: BinPass = async (sink) => {
  for (let i = 0; i < distinct; i++) sink.add(binOf(i), 1n + BigInt(i % 3));
};
const streamed = makeStreamedFineQuantile(p);
const fine = makeFineQuantileMeasurement(p);
console.log(`D = ${distinct}, load ${load()}`);
for (let r = 0; r < runs; r++) {
  global.gc?.();
  let heap = process.memoryUsage().heapUsed;
  let t = performance.now();
  const a = await streamed.release(pass, new SeededRandomSource(r));
  const tStream = performance.now() - t;
  const hStream = process.memoryUsage().heapUsed - heap;
  global.gc?.();
  heap = process.memoryUsage().heapUsed;
  t = performance.now();
  const index: number[] = [];
  const count: bigint[] = [];
  await pass({ add: (b, c) => void (index.push(b), count.push(c)) });
  const s: SparseBins = { bins: 2 ** 32, index, count };
  const b = fine.invoke(s, new SeededRandomSource(r));
  const tMem = performance.now() - t;
  const hMem = process.memoryUsage().heapUsed - heap;
  console.log(
    `run ${r}: streamed ${tStream.toFixed(0)} ms (heap +${(hStream / 2 ** 20).toFixed(1)} MiB, value ${a.value}); in memory ${tMem.toFixed(0)} ms (heap +${(hMem / 2 ** 20).toFixed(1)} MiB, value ${b.value}); ratio ${(tStream / tMem).toFixed(2)}; load ${load()}`,
  );
}
