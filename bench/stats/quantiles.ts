/**
 * DP median accuracy: tsdp's `dpQuantile` against IBM diffprivlib 0.6.5's
 * `median` (exponential mechanism over the sorted data's intervals, Smith
 * 2011), on continuous data and on tied (integer) data, ε = 1, bounds [1, 99],
 * n = 1,628 (the size in issue 11). Mean absolute error over `reps` runs, ±2
 * standard errors.
 *
 * Run: npx tsx bench/stats/quantiles.ts <diffprivlib dir> [reps] [n]
 * (diffprivlib unpacked outside the project: git archive 0.6.5 of
 * github:IBM/differential-privacy-library; Debian's /usr/bin/python3 with numpy.)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dpQuantile } from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const dir = process.argv[2] ?? '/tmp/dpl';
const reps = Number(process.argv[3] ?? 300);
const n = Number(process.argv[4] ?? 1628);
const bounds: [number, number] = [1, 99];
const data = new SeededRandomSource(42);
const u = () => (data.nextUint32() + 0.5) / 2 ** 32;
const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
const clamp = (x: number) => Math.min(99, Math.max(1, x));
const datasets: Record<string, number[]> = {
  'continuous N(40, 12)': Array.from({ length: n }, () => clamp(40 + 12 * normal())),
  'continuous uniform': Array.from({ length: n }, () => 1 + 98 * u()),
  'tied integers (ages)': Array.from({ length: n }, () => Math.round(clamp(40 + 12 * normal()))),
};
// Wide public bounds (as Adult's fnlwgt declares [0, 1,500,000]): the data fill a small part of the range.
const wide: [number, number] = [0, 1_500_000];
const adult = readFileSync(join(import.meta.dirname, '../../examples/adult.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1);
const fnlwgt = adult.map((l) => Number(l.split(',')[2]));
const wideSets: Record<string, number[]> = {
  'Adult fnlwgt, bounds [0, 1.5e6]': Array.from({ length: n }, () => fnlwgt[Math.floor(u() * fnlwgt.length)] as number),
  'N(180000, 100000), bounds [0, 1.5e6]': Array.from({ length: n }, () => Math.min(1.5e6, Math.max(0, 180000 + 100000 * normal()))),
};
// The same tied data with the column declared integer (`integer: true`: one bin per integer; public, from the schema).
const declared: Record<string, number[]> = {
  'tied integers (ages), declared integer': datasets['tied integers (ages)'] as number[],
  'Adult fnlwgt, bounds [0, 1.5e6], declared integer': wideSets['Adult fnlwgt, bounds [0, 1.5e6]'] as number[],
};
const boundsOf = (name: string): [number, number] => (name.startsWith('Adult') || name.startsWith('N(180000') ? wide : bounds);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const path = join(tmpdir(), 'tsdp-quantile-bench.json');
const all = { ...datasets, ...wideSets, ...declared };
writeFileSync(
  path,
  JSON.stringify({ datasets: all, bounds: Object.fromEntries(Object.keys(all).map((k) => [k, boundsOf(k)])), epsilon: 1 }),
);
const peer = JSON.parse(
  execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'quantile_peer.py'), dir, path, String(reps)], { encoding: 'utf8' }),
) as Record<string, { mae: number; se2: number }>;
const rng = new SeededRandomSource(7);
console.log(`DP median, ε = 1, bounds [1, 99] unless stated, n = ${n}, ${reps} runs: mean absolute error ± 2 SE`);
console.log('| data | tsdp dpQuantile | diffprivlib 0.6.5 median | ratio |');
console.log('| --- | --- | --- | --- |');
for (const [name, xs] of Object.entries(all)) {
  const truth = median(xs);
  const errs = Array.from({ length: reps }, () =>
    Math.abs(dpQuantile(xs, 0.5, { bounds: boundsOf(name), budget: { epsilon: 1 }, integer: name in declared, rng }).value - truth),
  );
  const mae = errs.reduce((s, e) => s + e, 0) / reps;
  const sd = Math.sqrt(errs.reduce((s, e) => s + (e - mae) ** 2, 0) / (reps - 1));
  const p = peer[name] as { mae: number; se2: number };
  console.log(
    `| ${name} | ${mae.toFixed(3)} ± ${((2 * sd) / Math.sqrt(reps)).toFixed(3)} | ${p.mae.toFixed(3)} ± ${p.se2.toFixed(3)} | ${(mae / p.mae).toFixed(2)} |`,
  );
}
