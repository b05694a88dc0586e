/**
 * Summarises the JSON lines of compare-private-pgm.sh: per method and ε, each side's runs, mean TVD, mean CPU
 * seconds, mean wall seconds and peak RSS, and tsdp / Private-PGM ratios of error and CPU time.
 * Run: npx tsx bench/synth/summarize.ts results.jsonl [more.jsonl …]
 */
import { readFileSync } from 'node:fs';

interface Run {
  side: 'tsdp' | 'private-pgm';
  method: string;
  epsilon: number;
  tvd2: number;
  cpuSeconds: number;
  wallSeconds: number;
  peakRssKiB: number;
}

const runs: Run[] = process.argv
  .slice(2)
  .flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'))
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as Run);
const mean = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / xs.length;
const keys = [...new Set(runs.map((r) => `${r.method} ${r.epsilon}`))].sort();
console.log(
  '| method | ε | side | runs | TVD (2-way) mean [min, max] | CPU s mean | wall s mean | peak RSS MiB | error ratio | CPU ratio |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
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
    const ratio =
      name === 'tsdp' && theirs.length > 0
        ? `${(mean(tvd) / mean(theirs.map((r) => r.tvd2))).toFixed(3)} | ${(mean(rs.map((r) => r.cpuSeconds)) / mean(theirs.map((r) => r.cpuSeconds))).toFixed(3)}`
        : ' | ';
    console.log(
      `| ${method} | ${eps} | ${name} | ${rs.length} | ${mean(tvd).toFixed(4)} [${Math.min(...tvd).toFixed(4)}, ${Math.max(...tvd).toFixed(4)}] | ${mean(rs.map((r) => r.cpuSeconds)).toFixed(1)} | ${mean(rs.map((r) => r.wallSeconds)).toFixed(0)} | ${Math.round(Math.max(...rs.map((r) => r.peakRssKiB)) / 1024)} | ${ratio} |`,
    );
  }
}
