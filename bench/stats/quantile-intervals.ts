/**
 * Width and coverage of the DP median's confidence interval on UCI Adult ages
 * (issue 11: "a median of 39.86 reported as [1, 99] at n = 1,628 is not"
 * useful): n = 1,628 rows drawn without replacement (seeded), ε = 1, bounds
 * [1, 99], 4,096 bins, 95% intervals, integer column. Each row of the table is
 * one interval construction; `reps` releases each; the median width, and the
 * share of intervals that cover the exact median (lower median, rank ⌈n/2⌉).
 *
 * Run: npx tsx bench/stats/quantile-intervals.ts [reps] [path to a tsdp src/ to compare, e.g. an older checkout]
 */
import { readFileSync } from 'node:fs';
import { dpQuantile, releaseQuantile } from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const reps = Number(process.argv[2] ?? 200);
const other = process.argv[3];
const lines = readFileSync('/work/shared/data/adult.csv', 'utf8').trim().split('\n').slice(1);
const ages = lines.map((l) => Number(l.split(',')[0]));
const pick = new SeededRandomSource(11);
const n = 1628;
const pool = ages.slice();
for (let i = 0; i < n; i++) {
  const j = i + Math.floor(((pick.nextUint32() + 0.5) / 2 ** 32) * (pool.length - i));
  [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
}
const sample = pool.slice(0, n);
const sorted = [...sample].sort((a, b) => a - b);
const truth = sorted[Math.ceil(n / 2) - 1] as number;
const bounds: [number, number] = [1, 99];
const bins = 4096; // the library's default grid (dpQuantile), named in the table header
type Interval = { lower: number; upper: number };

function report(name: string, run: (rng: SeededRandomSource) => Interval): void {
  const rng = new SeededRandomSource(7);
  const widths: number[] = [];
  let covered = 0;
  for (let r = 0; r < reps; r++) {
    const iv = run(rng);
    widths.push(iv.upper - iv.lower);
    if (iv.lower <= truth && truth <= iv.upper) covered++;
  }
  widths.sort((a, b) => a - b);
  const med = widths[Math.floor(reps / 2)] as number;
  console.log(
    `| ${name} | ${med.toFixed(2)} | ${(widths[Math.floor(reps * 0.9)] as number).toFixed(2)} | ${((100 * covered) / reps).toFixed(1)}% |`,
  );
}

console.log(`Adult ages, n = ${n}, exact median ${truth}, ε = 1, bounds [1, 99], ${bins} bins, 95% intervals, ${reps} releases each`);
console.log('| interval construction | median width (years) | 90th percentile width | coverage |');
console.log('| --- | --- | --- | --- |');
if (other) {
  // The previous construction (a quantile tree bought with the interval share, union bound over all nodes).
  const old = (await import(`${other}/stats/index.js`)) as typeof import('../../src/stats/index.js');
  report(
    'before: Session default (20% share, quantile tree over the 4,096 bins)',
    (rng) => old.dpQuantile(sample, 0.5, { bounds, budget: { epsilon: 1 }, intervalShare: 0.2, integer: true, rng }).interval,
  );
}
// DP SQL's construction today (src/sql/release-group.ts with src/sql/compile.ts's quantileGrid): the same release
// over one bin per integer (an integer column with ≤ 1,024 values: bounds [0.5, 99.5], 99 bins), 20% share.
const integerCounts = new Array<number>(99).fill(0);
for (const x of sample) integerCounts[x - 1] = (integerCounts[x - 1] as number) + 1;
report('DP SQL today (20% share, one bin per integer: 99 bins)', (rng) => {
  const r = releaseQuantile({
    binCounts: integerCounts,
    bounds: [0.5, 99.5],
    quantile: 0.5,
    budget: { epsilon: 1 },
    intervalShare: 0.2,
    integer: true,
    rng,
  });
  return r.interval ?? { lower: 1, upper: 99 };
});
for (const share of [0.2, 0.4, 0.5]) {
  report(
    `after: two exponential mechanisms for the ends (${share * 100}% share)`,
    (rng) => dpQuantile(sample, 0.5, { bounds, budget: { epsilon: 1 }, intervalShare: share, integer: true, rng }).interval,
  );
}
