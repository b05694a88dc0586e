/**
 * Summarises the JSON lines of compare-private-pgm.sh: per method and ε, each side's runs, TVD, CPU seconds and
 * wall seconds (mean ± sample sd), peak RSS, and the tsdp / Private-PGM ratios of the mean error and mean CPU time
 * against the goals of issue 14 (MST: error ≤ 1.05×, CPU ≤ 0.2×; AIM: error ≤ 1.05×, CPU ≤ 0.25×).
 * A tsdp seed logged twice counts once (the last line). The last column is the range of the 1-minute load average at
 * the runs' ends (`load1`, logged since stop 17; "—" for older lines): the machine is shared, the load says how much.
 * Run: npx tsx bench/synth/summarize.ts [--max-seed N] results.jsonl [more.jsonl …]
 * (`--max-seed N`: only tsdp seeds 1…N, e.g. the first five of ten.)
 */
import { readFileSync } from 'node:fs';

interface Run {
  seed?: number;
  side: 'tsdp' | 'private-pgm';
  method: string;
  epsilon: number;
  tvd2: number;
  cpuSeconds: number;
  wallSeconds: number;
  peakRssKiB: number;
  load1?: number;
}

const args = process.argv.slice(2);
const maxSeedAt = args.indexOf('--max-seed');
const maxSeed = maxSeedAt < 0 ? Number.POSITIVE_INFINITY : Number(args.splice(maxSeedAt, 2)[1]);
const runs: Run[] = args
  .flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'))
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as Run)
  .filter((r) => r.side !== 'tsdp' || (r.seed ?? 0) <= maxSeed)
  .filter(
    (r, i, all) =>
      r.side !== 'tsdp' ||
      !all.slice(i + 1).some((o) => o.side === 'tsdp' && o.method === r.method && o.epsilon === r.epsilon && o.seed === r.seed),
  );
const mean = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / xs.length;
const sd = (xs: number[]) => (xs.length < 2 ? Number.NaN : Math.sqrt(xs.reduce((t, x) => t + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const pm = (xs: number[], digits: number) => `${mean(xs).toFixed(digits)}${xs.length < 2 ? '' : ` ± ${sd(xs).toFixed(digits)}`}`;
const goals: Record<string, { error: number; cpu: number }> = { mst: { error: 1.05, cpu: 0.2 }, aim: { error: 1.05, cpu: 0.25 } };
const keys = [...new Set(runs.map((r) => `${r.method} ${r.epsilon}`))].sort();
console.log(
  '| method | ε | side | runs | TVD (2-way) mean ± sd [min, max] | CPU s mean ± sd | wall s mean ± sd | peak RSS MiB (max) | error ratio (goal) | CPU ratio (goal) | load (1-min avg at run end) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
/** The range of the logged loads, "—" when no line has one. */
const loadRange = (rs: readonly Run[]) => {
  const ls = rs.flatMap((r) => (typeof r.load1 === 'number' ? [r.load1] : []));
  if (ls.length === 0) return '—';
  const [lo, hi] = [Math.min(...ls), Math.max(...ls)];
  return `${lo.toFixed(1)}${hi > lo ? `–${hi.toFixed(1)}` : ''}${ls.length < rs.length ? ` (${ls.length} of ${rs.length})` : ''}`;
};
for (const key of keys) {
  const [method, eps] = key.split(' ');
  const side = (s: Run['side']) => runs.filter((r) => r.method === method && String(r.epsilon) === eps && r.side === s);
  const ours = side('tsdp');
  const theirs = side('private-pgm');
  for (const [name, rs] of [
    ['tsdp', ours],
    ['Private-PGM', theirs],
  ] as const) {
    if (rs.length === 0) continue;
    const tvd = rs.map((r) => r.tvd2);
    const goal = goals[method as string];
    const verdict = (x: number, g: number | undefined) =>
      `${x.toFixed(3)}${g === undefined ? '' : ` (≤ ${g}: ${x <= g ? 'met' : '**missed**'})`}`;
    const ratio =
      name === 'tsdp' && theirs.length > 0
        ? `${verdict(mean(tvd) / mean(theirs.map((r) => r.tvd2)), goal?.error)} | ${verdict(mean(rs.map((r) => r.cpuSeconds)) / mean(theirs.map((r) => r.cpuSeconds)), goal?.cpu)}`
        : ' | ';
    console.log(
      `| ${method} | ${eps} | ${name} | ${rs.length} | ${pm(tvd, 4)} [${Math.min(...tvd).toFixed(4)}, ${Math.max(...tvd).toFixed(4)}] | ${pm(
        rs.map((r) => r.cpuSeconds),
        1,
      )} | ${pm(
        rs.map((r) => r.wallSeconds),
        0,
      )} | ${Math.round(Math.max(...rs.map((r) => r.peakRssKiB)) / 1024)} | ${ratio} | ${loadRange(rs)} |`,
    );
  }
}
