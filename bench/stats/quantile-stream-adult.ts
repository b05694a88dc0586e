/**
 * What DP SQL's MEDIAN(fnlwgt) would release on the fine grid once the engine streams the histogram: the streamed
 * release (`makeStreamedFineQuantile`, the SQL query's parameters: ε = 1, 20% interval share, fnlwgt declared integer
 * on [0, 1,500,000], one bin per integer) on all of Adult, beside bench/stats/sql-median.ts's figures (4,096 bins).
 * Usage: npx tsx bench/stats/quantile-stream-adult.ts [runs = 50]
 */
import { readFileSync } from 'node:fs';
import { quantileBinIndex } from '../../src/stats/quantile-common.js';
import { fineQuantileGrid, makeStreamedFineQuantile } from '../../src/stats/quantile-selection.js';
import { sparseFromRowBins } from '../../src/stats/quantile-sparse.js';
import type { BinPass } from '../../src/stats/quantile-stream.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const runs = Number(process.argv[2] ?? 50);
const lines = readFileSync('examples/adult.csv', 'utf8').trim().split('\n');
const col = (lines[0] as string).split(',').indexOf('fnlwgt');
const xs = lines.slice(1).map((l) => Number(l.split(',')[col]));
const sorted = [...xs].sort((a, b) => a - b);
const truth = sorted[Math.ceil(0.5 * sorted.length) - 1] as number;
const grid = fineQuantileGrid([0, 1_500_000], true);
const s = sparseFromRowBins(
  Float64Array.from(xs, (x) => quantileBinIndex(x, grid.bounds[0], grid.bounds[1], grid.bins)),
  grid.bins,
);
// The engine's chunks, as a pass (the bench holds them only to replay them).
const pass: BinPass = async (sink) => {
  s.index.forEach((i, k) => {
    sink.add(i, s.count[k] as bigint);
  });
};
const r = makeStreamedFineQuantile(
  { bounds: grid.bounds, quantile: 0.5, budget: { epsilon: 1 }, intervalShare: 0.2, integer: true },
  grid.bins,
);
const rng = new SeededRandomSource(20261207);
const errors: number[] = [];
const widths: number[] = [];
const t0 = performance.now();
for (let t = 0; t < runs; t++) {
  const v = await r.release(pass, rng);
  errors.push(Math.abs(v.value - truth));
  widths.push(v.interval.upper - v.interval.lower);
}
const mid = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
console.log(
  JSON.stringify({
    n: xs.length,
    exactMedian: truth,
    bins: grid.bins,
    runs,
    meanAbsError: errors.reduce((a, b) => a + b, 0) / runs,
    medianAbsError: mid(errors),
    medianIntervalWidth: mid(widths),
    msPerRelease: Math.round((performance.now() - t0) / runs),
    load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
  }),
);
