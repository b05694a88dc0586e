/**
 * Summarises the JSON lines compare.ts appends to ROWS (default /tmp/models-bench-rows.jsonl) — also while a
 * run is still going, or after it was cut short: mean ± sd and n per side, model and ε, and whether tsdp ≥ peer.
 * Run: npx tsx bench/models/summarize-rows.ts [ROWS]
 * @module
 */
import { readFileSync } from 'node:fs';

interface Row {
  side: string;
  model: string;
  epsilon: number;
  seed: number;
  value?: number;
  fit_ms?: number;
  timeout_s?: number;
}
const rows = readFileSync(process.argv[2] ?? '/tmp/models-bench-rows.jsonl', 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as Row);
const stat = (side: string, model: string, epsilon: number) => {
  const xs = rows.filter((r) => r.side === side && r.model === model && r.epsilon === epsilon && r.value !== undefined);
  const m = xs.reduce((s, r) => s + (r.value as number), 0) / Math.max(1, xs.length);
  const sd = Math.sqrt(xs.reduce((s, r) => s + ((r.value as number) - m) ** 2, 0) / Math.max(1, xs.length));
  const ms = xs.reduce((s, r) => s + (r.fit_ms as number), 0) / Math.max(1, xs.length);
  const timeout = rows.find((r) => r.side === side && r.model === model && r.epsilon === epsilon && r.timeout_s !== undefined);
  return { m, sd, ms, n: xs.length, timeout: timeout?.timeout_s };
};
const models = [...new Set(rows.map((r) => r.model))];
const epsilons = [...new Set(rows.map((r) => r.epsilon))].sort((a, b) => a - b);
console.log('| model | ε | tsdp (n) | diffprivlib 0.6.5 (n) | tsdp ms | diffprivlib ms | tsdp ≥ peer |');
console.log('|---|---|---|---|---|---|---|');
for (const model of models)
  for (const e of epsilons) {
    const a = stat('tsdp', model, e);
    const b = stat('diffprivlib', model, e);
    const fmt = (s: typeof a) =>
      s.n ? `${s.m.toFixed(4)} ± ${s.sd.toFixed(4)} (${s.n})` : s.timeout ? `no fit within ${s.timeout} s` : '—';
    const cmp = a.n && b.n ? (a.m >= b.m ? 'yes' : 'NO') : '—';
    console.log(`| ${model} | ${e} | ${fmt(a)} | ${fmt(b)} | ${a.n ? a.ms.toFixed(0) : '—'} | ${b.n ? b.ms.toFixed(0) : '—'} | ${cmp} |`);
  }
