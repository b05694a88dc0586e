/**
 * bench/local — the local-DP protocols of tsdp/local:
 *
 * - reports encoded per second in Node (CSPRNG source),
 * - reports aggregated per second: ingest (validation included) of report
 *   objects plus one estimate of the whole domain (or of the candidate set
 *   for the sketches, RAPPOR and OLH in raw mode), timed together,
 * - estimation error: Σ_v (ĉ_v − n_v)² / Σ_v Var_theory(n_v) over the values
 *   estimated (ratio ≈ 1 when the published variance is right),
 * - the minified + gzipped client bundle of each protocol (esbuild).
 *
 * Grid: ε ∈ {0.5, 1, 2, 4} × domain ∈ {16, 1024, 2²⁰} where the protocol
 * allows. Skipped, and why: unary encodings (OUE, SUE) at 2²⁰ — a report is
 * 2²⁰ bits and one random word per bit (≈ 1 MiB of CSPRNG output per
 * report); RAPPOR beyond 16 candidates here — its regression decoder is
 * cubic in the candidate count. OLH at 2²⁰ runs in raw mode (stores (seed,
 * y), counts supports per candidate), so its "aggregation" there is for 128
 * candidates. Default run ≈ 1–2 minutes; `--quick` for a smoke run.
 *
 * Run: npx tsx bench/local/run.ts [--quick] [--headline-only]
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createAggregator, type LocalAggregator } from '../../src/local/aggregator.js';
import { createClient } from '../../src/local/client.js';
import type { LocalProtocolConfig } from '../../src/local/protocol-config.js';
import { createMemoryMemoStore, createRapporEncoder, type RapporParams } from '../../src/local/protocols/rappor.js';
import type { LocalReport } from '../../src/local/report.js';
import { defaultRandomSource } from '../../src/random/source.js';
import { buildClientBundle } from '../../test/local/_bundle.js';

const defaultRng = () => defaultRandomSource();

/**
 * A full garbage collection, run before each timed section: the harness
 * leaves a million report objects of the previous cell as garbage, and V8
 * collects them on helper threads whose CPU time `process.cpuUsage()` would
 * charge to whatever is timed next (up to ~0.3 s on the OLH headline).
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * CPU seconds of this process (user + system). Rates are reported per CPU
 * second: on a shared, loaded machine wall-clock time measures the neighbours.
 * The work is single-threaded JavaScript (GC helpers aside), so this is "one core".
 */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const quick = process.argv.includes('--quick');
/** `--headline-only`: skip the bundle sizes and the grid (to iterate on the OLH headline). */
const headlineOnly = process.argv.includes('--headline-only');
const EPSILONS = [0.5, 1, 2, 4];
const DOMAINS = [16, 1024, 2 ** 20];

type Protocol = 'grr' | 'oue' | 'sue' | 'olh' | 'hr' | 'cms' | 'hcms' | 'rappor';
const PROTOCOLS: Protocol[] = ['grr', 'oue', 'sue', 'olh', 'hr', 'cms', 'hcms', 'rappor'];

function allowed(protocol: Protocol, k: number): string | null {
  if ((protocol === 'oue' || protocol === 'sue') && k > 1024) return 'report of k bits, one CSPRNG word per bit';
  if (protocol === 'rappor' && k > 16) return 'decoder cubic in candidates';
  return null;
}

function configFor(protocol: Protocol, epsilon: number, k: number): LocalProtocolConfig {
  switch (protocol) {
    case 'cms':
    case 'hcms':
      return { protocol, epsilon, domainSize: k };
    case 'rappor':
      return { protocol, epsilon, cohorts: 8 };
    default:
      return { protocol, epsilon, domainSize: k };
  }
}

/** A Zipf(1.1)-like population over k values: deterministic counts summing to n. */
function zipfCounts(k: number, n: number): Float64Array {
  const weights = new Float64Array(k);
  let total = 0;
  for (let v = 0; v < k; v++) {
    weights[v] = 1 / (v + 1) ** 1.1;
    total += weights[v] as number;
  }
  const counts = new Float64Array(k);
  let assigned = 0;
  for (let v = 0; v < k; v++) {
    counts[v] = Math.floor(((weights[v] as number) / total) * n);
    assigned += counts[v] as number;
  }
  counts[0] = (counts[0] as number) + n - assigned;
  return counts;
}

const isSketch = (p: Protocol) => p === 'cms' || p === 'hcms' || p === 'rappor';
const protocolValue = (p: Protocol, v: number): string | number => (p === 'rappor' ? `value-${v}` : v);

interface Row {
  protocol: string;
  epsilon: number;
  k: number;
  n: number;
  encodePerSecond: number;
  ingestPerSecond: number;
  aggregatePerSecond: number;
  mseRatio: number;
  /** How many squared errors the ratio averages (its relative noise is about √(2/values) for Gaussian errors). */
  values: number;
  note: string;
}

function encodeAll(
  config: LocalProtocolConfig,
  counts: Float64Array,
  aggregatorParams: LocalAggregator['params'],
): { reports: LocalReport[]; seconds: number } {
  const protocol = config.protocol as Protocol;
  const reports: LocalReport[] = [];
  const start = cpuSeconds();
  if (protocol === 'rappor') {
    const params = aggregatorParams as RapporParams;
    counts.forEach((c, v) => {
      for (let i = 0; i < c; i++)
        reports.push(createRapporEncoder(params, defaultRng(), createMemoryMemoStore()).encode(protocolValue(protocol, v)));
    });
  } else {
    const client = createClient(config);
    counts.forEach((c, v) => {
      const value = protocolValue(protocol, v);
      for (let i = 0; i < c; i++) reports.push(client.encode(value));
    });
  }
  return { reports, seconds: cpuSeconds() - start };
}

/** Deterministic shuffle so aggregation does not see reports grouped by value. */
function shuffle<T>(xs: T[]): T[] {
  let state = 12345;
  for (let i = xs.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    const t = xs[i] as T;
    xs[i] = xs[j] as T;
    xs[j] = t;
  }
  return xs;
}

function runCell(protocol: Protocol, epsilon: number, k: number, n: number): Row {
  const config = configFor(protocol, epsilon, k);
  const probe = createAggregator(config);
  const counts = zipfCounts(k, n);
  const { reports, seconds: encodeSeconds } = encodeAll(config, counts, probe.params);
  shuffle(reports);
  // Candidates: the whole domain where there is one and it is cheap; otherwise the 64 most frequent and 64 others.
  let candidates: (string | number)[] | undefined;
  let note = '';
  const raw = protocol === 'olh' && k > 2 ** 16;
  if (isSketch(protocol) || raw || k > 2 ** 16) {
    const picked =
      k <= 128
        ? Array.from({ length: k }, (_, v) => v)
        : [
            ...Array.from({ length: 64 }, (_, v) => v),
            ...Array.from({ length: 64 }, (_, i) => 64 + Math.floor(((i + 0.5) * (k - 64)) / 64)),
          ];
    if (isSketch(protocol) || raw) {
      candidates = picked.map((v) => protocolValue(protocol, v));
      note = `${picked.length} candidates`;
    }
  }
  const aggregator = createAggregator(config);
  collectGarbage();
  const start = cpuSeconds();
  for (const r of reports) aggregator.add(r);
  const ingestSeconds = cpuSeconds() - start;
  const estimate = aggregator.estimateCounts(candidates);
  const totalSeconds = cpuSeconds() - start;
  let { squared, theory } = squaredError(protocol, aggregator, estimate, counts, n);
  let values = estimate.values.length;
  // At k = 16 one population gives only 16 squared errors (±35% noise on the ratio): add 15 more populations.
  if (k <= 16) {
    for (let rep = 0; rep < 15; rep++) {
      // CMS reports are m = 1024 bits (one CSPRNG word each): keep its extra populations small.
      const extraN = protocol === 'cms' ? 5_000 : Math.min(n, 20_000);
      const extraCounts = zipfCounts(k, extraN);
      const extra = createAggregator(config);
      for (const r of encodeAll(config, extraCounts, probe.params).reports) extra.add(r);
      const more = squaredError(protocol, extra, extra.estimateCounts(candidates), extraCounts, extraN);
      squared += more.squared;
      theory += more.theory;
      values += estimate.values.length;
    }
    note += (note ? '; ' : '') + 'MSE over 16 populations';
  }
  if (protocol === 'cms' || protocol === 'hcms') note += (note ? '; ' : '') + 'theory assumes ideal hashes';
  return {
    protocol,
    epsilon,
    k,
    n,
    encodePerSecond: n / encodeSeconds,
    ingestPerSecond: n / ingestSeconds,
    aggregatePerSecond: n / totalSeconds,
    mseRatio: squared / theory,
    values,
    note,
  };
}

/** Σ (ĉ − n_v)² and Σ Var_theory(n_v) over the estimated values. */
function squaredError(
  protocol: Protocol,
  aggregator: LocalAggregator,
  estimate: ReturnType<LocalAggregator['estimateCounts']>,
  counts: Float64Array,
  n: number,
): { squared: number; theory: number } {
  let squared = 0;
  let theory = 0;
  for (let i = 0; i < estimate.values.length; i++) {
    const value = estimate.values[i] as string | number;
    const v = typeof value === 'number' ? value : Number(String(value).slice(6));
    const truth = counts[v] as number;
    squared += ((estimate.counts[i] as number) - truth) ** 2;
    theory += protocol === 'rappor' ? (estimate.variances[i] as number) : aggregator.theoreticalVariance(n, truth);
  }
  return { squared, theory };
}

function fmt(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}

async function main(): Promise<void> {
  console.log(
    '# tsdp/local benchmark',
    quick ? '(quick)' : '',
    `node ${process.version}; rates per CPU-second of one thread; load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)}`,
  );
  if (!headlineOnly) await bundles();
  headline();
  if (!headlineOnly) grid();
}

async function bundles(): Promise<void> {
  console.log('\n## Client bundle (esbuild --bundle --minify, ESM, browser; gzip -9)');
  for (const [label, exports] of [
    ['rr', ['createRrClient']],
    ['grr', ['createGrrClient']],
    ['oue/sue', ['createUnaryClient']],
    ['olh', ['createOlhClient']],
    ['hr', ['createHrClient']],
    ['cms/hcms', ['createSketchClient']],
    ['rappor (+ storage memo)', ['createRapporClient', 'createStorageMemoStore']],
    ['all protocols (createClient)', ['createClient']],
  ] as const) {
    const b = await buildClientBundle(exports);
    console.log(
      `  ${label.padEnd(30)} ${String(b.bytes).padStart(6)} B minified  ${String(b.gzipBytes).padStart(5)} B gzipped${b.gzipBytes < 10_240 ? '  (< 10 KB goal)' : '  (over the 10 KB goal)'}`,
    );
  }
}

function headline(): void {
  console.log('\n## Headline: OLH aggregation, domain 1024, one core (ingest with validation + whole-domain estimate)');
  for (const epsilon of EPSILONS) {
    const n = quick ? 100_000 : 1_000_000;
    const config: LocalProtocolConfig = { protocol: 'olh', epsilon, domainSize: 1024 };
    const counts = zipfCounts(1024, n);
    const { reports, seconds } = encodeAll(config, counts, createAggregator(config).params);
    shuffle(reports);
    const aggregator = createAggregator(config);
    collectGarbage();
    const wallStart = performance.now();
    const start = cpuSeconds();
    for (const r of reports) aggregator.add(r);
    const ingest = cpuSeconds() - start;
    aggregator.estimateCounts();
    const total = cpuSeconds() - start;
    const wall = (performance.now() - wallStart) / 1000;
    console.log(
      `  ε=${epsilon}: ${fmt(n)} reports: encode ${fmt(n / seconds)}/s; ingest ${fmt(n / ingest)}/s; ingest+estimate ${(total * 1000).toFixed(0)} ms CPU (${(wall * 1000).toFixed(0)} ms wall) = ${fmt(n / total)} reports/CPU-s${n / total >= 1e6 ? '  (≥ 10⁶ goal)' : '  (below the 10⁶ goal)'}`,
    );
  }
}

function grid(): void {
  console.log('\n## Grid: throughput and MSE / theoretical variance');
  console.log('  protocol  ε    k        n       encode/s  ingest/s  aggregate/s  MSE/theory  note');
  const rows: Row[] = [];
  for (const protocol of PROTOCOLS) {
    for (const k of DOMAINS) {
      const skip = allowed(protocol, k);
      if (skip) {
        console.log(`  ${protocol.padEnd(8)}  —    ${String(k).padEnd(7)}  skipped: ${skip}`);
        continue;
      }
      for (const epsilon of EPSILONS) {
        let n = k === 2 ** 20 ? 200_000 : 100_000;
        if (protocol === 'oue' || protocol === 'sue') n = k === 1024 ? 20_000 : 100_000;
        if (protocol === 'rappor') n = 40_000;
        if (protocol === 'cms') n = 20_000;
        if (protocol === 'olh' && k === 2 ** 20) n = 20_000;
        if (quick) n = Math.max(2_000, Math.floor(n / 10));
        const row = runCell(protocol, epsilon, k, n);
        rows.push(row);
        console.log(
          `  ${protocol.padEnd(8)}  ${String(epsilon).padEnd(3)}  ${String(k).padEnd(7)}  ${fmt(n).padEnd(6)}  ${fmt(row.encodePerSecond).padStart(8)}  ${fmt(row.ingestPerSecond).padStart(8)}  ${fmt(row.aggregatePerSecond).padStart(11)}  ${row.mseRatio.toFixed(3).padStart(10)}  ${row.note}`,
        );
      }
    }
  }
  const within = rows.filter((r) => Math.abs(r.mseRatio - 1) <= 0.1).length;
  const within3 = rows.filter((r) => Math.abs(r.mseRatio - 1) <= 3 * Math.sqrt(2 / r.values)).length;
  console.log(
    `\n  MSE/theory within 10% of 1 in ${within}/${rows.length} cells; within 3 standard deviations of its own sampling noise (√(2/values): ±9% for 256 values, ±12% for 128, ±4% for 1024) in ${within3}/${rows.length}.`,
  );
}

await main();
