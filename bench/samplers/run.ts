/**
 * bench/samplers: samples per second of each secure sampler (fed by the
 * CSPRNG, defaultRandomSource()) and of a naive floating-point sampler
 * (Math.random with the inverse cdf / Box–Muller — here only, never in src/),
 * in the same run, with the ratio secure/naive (time per sample, so > 1 means
 * the secure one is slower). Goals (issue 2): continuous Laplace and Gaussian
 * within 4× of naive; discrete Laplace and discrete Gaussian (σ = 10)
 * ≥ 10⁶ samples/s; bulk Gaussian within 2× of naive.
 *
 * Rates are samples per CPU second of this process (user + system time), the
 * best of 7 alternating rounds: the machine may be shared.
 *
 * Run: npx tsx bench/samplers/run.ts  (about 30 s)
 */

import { Rational } from '../../src/numeric/index.js';
import {
  addSecureGaussianNoise,
  addSecureLaplaceNoise,
  defaultRandomSource,
  fillBulkGaussian,
  sampleBernoulliExp,
  sampleDiscreteGaussian,
  sampleDiscreteLaplace,
  sampleUniformBelow,
} from '../../src/random/index.js';

const rng = defaultRandomSource();
let sink = 0;

/** CPU seconds (user + system) of this process: steadier than wall time on a shared machine. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Batch size so that one batch takes about `targetMs`. */
function sizeBatch(batch: (n: number) => number, targetMs: number): number {
  let n = 1000;
  for (;;) {
    const t0 = performance.now();
    batch(n);
    const ms = performance.now() - t0;
    if (ms > targetMs / 4 || n > 1e9) return Math.max(1000, Math.round((n * targetMs) / Math.max(ms, 1e-3)));
    n *= 4;
  }
}

/**
 * Best-of-`rounds` rates (samples per CPU second) of two samplers measured in
 * alternating rounds, so that both see the same machine conditions.
 */
function rates(secure: (n: number) => number, naive: (n: number) => number, targetMs = 200, rounds = 7): [number, number] {
  const ns = sizeBatch(secure, targetMs);
  const nv = sizeBatch(naive, targetMs);
  let bestS = 0;
  let bestV = 0;
  for (let r = 0; r < rounds; r++) {
    let t0 = cpuSeconds();
    const doneS = secure(ns);
    bestS = Math.max(bestS, doneS / (cpuSeconds() - t0));
    t0 = cpuSeconds();
    const doneV = naive(nv);
    bestV = Math.max(bestV, doneV / (cpuSeconds() - t0));
  }
  return [bestS, bestV];
}

// ---- naive floating-point samplers (benchmark only) ----
function naiveLaplace(x: number, b: number): number {
  const u = Math.random() - 0.5;
  return x - b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}
let spare = Number.NaN;
function naiveGaussian(x: number, sigma: number): number {
  if (!Number.isNaN(spare)) {
    const z = spare;
    spare = Number.NaN;
    return x + sigma * z;
  }
  const u1 = 1 - Math.random();
  const u2 = Math.random();
  const r = Math.sqrt(-2 * Math.log(u1));
  spare = r * Math.sin(2 * Math.PI * u2);
  return x + sigma * r * Math.cos(2 * Math.PI * u2);
}
function naiveDiscreteLaplace(b: number): number {
  // Two-sided geometric by inverse cdf in floating point (not exact).
  const q = Math.exp(-1 / b);
  for (;;) {
    const k = Math.floor(Math.log(1 - Math.random()) / Math.log(q));
    const negative = Math.random() < 0.5;
    if (negative && k === 0) continue;
    return negative ? -k : k;
  }
}
function naiveDiscreteGaussian(sigma: number): number {
  return Math.round(naiveGaussian(0, sigma));
}
function naiveBulk(out: Float64Array | Float32Array, sigma: number): void {
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - Math.random();
    const u2 = Math.random();
    const r = sigma * Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
}

interface Row {
  readonly name: string;
  readonly secure: number;
  readonly naive: number;
  readonly goal: string;
  readonly met: boolean;
}
const rows: Row[] = [];
function row(name: string, secure: number, naive: number, goal: string, met: boolean): void {
  rows.push({ name, secure, naive, goal, met });
  console.log(`  measured ${name}`);
}

const start = performance.now();
const scale10 = Rational.of(10n);
const sigmaSq100 = Rational.of(100n);

// Warm-up: build the lazily computed exact tables and let the JIT see every secure path once,
// so that the order of the rows below does not decide what gets optimized how.
{
  const warm = new Float64Array(1 << 16);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 200_000; i++) {
      sink += addSecureLaplaceNoise(1.5, 2, rng) + addSecureGaussianNoise(1.5, 2, rng);
      sink += Number(sampleDiscreteLaplace(scale10, rng) + sampleDiscreteGaussian(sigmaSq100, rng));
    }
    fillBulkGaussian(warm, 0.7, rng);
  }
}

{
  const [s, v] = rates(
    (n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += addSecureLaplaceNoise(1.5, 2, rng);
      sink += acc;
      return n;
    },
    (n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += naiveLaplace(1.5, 2);
      sink += acc;
      return n;
    },
  );
  row('continuous Laplace (b = 2)', s, v, 'secure/naive ≤ 4', v / s <= 4);
}
{
  const [s, v] = rates(
    (n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += addSecureGaussianNoise(1.5, 2, rng);
      sink += acc;
      return n;
    },
    (n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += naiveGaussian(1.5, 2);
      sink += acc;
      return n;
    },
  );
  row('continuous Gaussian (σ = 2)', s, v, 'secure/naive ≤ 4', v / s <= 4);
}
{
  const [s, v] = rates(
    (n) => {
      let acc = 0n;
      for (let i = 0; i < n; i++) acc += sampleDiscreteLaplace(scale10, rng);
      sink += Number(acc);
      return n;
    },
    (n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += naiveDiscreteLaplace(10);
      sink += acc;
      return n;
    },
  );
  row('discrete Laplace (scale 10)', s, v, '≥ 1e6/s', s >= 1e6);
}
{
  const [s, v] = rates(
    (n) => {
      let acc = 0n;
      for (let i = 0; i < n; i++) acc += sampleDiscreteGaussian(sigmaSq100, rng);
      sink += Number(acc);
      return n;
    },
    (n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += naiveDiscreteGaussian(10);
      sink += acc;
      return n;
    },
  );
  row('discrete Gaussian (σ = 10)', s, v, '≥ 1e6/s', s >= 1e6);
}
for (const [label, make] of [
  ['Float64Array', () => new Float64Array(1 << 20)],
  ['Float32Array', () => new Float32Array(1 << 20)],
] as const) {
  const buf = make();
  const [s, v] = rates(
    (n) => {
      let done = 0;
      for (; done < n; done += buf.length) fillBulkGaussian(buf, 0.7, rng);
      sink += buf[0] as number;
      return done;
    },
    (n) => {
      let done = 0;
      for (; done < n; done += buf.length) naiveBulk(buf, 0.7);
      sink += buf[0] as number;
      return done;
    },
  );
  row(`bulk Gaussian (${label}, 2^20 per call)`, s, v, 'secure/naive ≤ 2', v / s <= 2);
}
{
  const x = Rational.of(1n, 3n);
  const [s, v] = rates(
    (n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) if (sampleBernoulliExp(x, rng)) acc++;
      sink += acc;
      return n;
    },
    (n) => {
      let acc = 0;
      const p = Math.exp(-1 / 3);
      for (let i = 0; i < n; i++) if (Math.random() < p) acc++;
      sink += acc;
      return n;
    },
  );
  row('Bernoulli(exp(−1/3))', s, v, '(info)', true);
}
{
  const [s, v] = rates(
    (n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += sampleUniformBelow(1000, rng);
      sink += acc;
      return n;
    },
    (n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += Math.floor(Math.random() * 1000);
      sink += acc;
      return n;
    },
  );
  row('uniform below 1000', s, v, '(info)', true);
}

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(1)} k/s`);
console.log('\nsampler                                       secure        naive      secure/naive   goal');
for (const r of rows) {
  const ratio = r.naive / r.secure;
  console.log(
    `${r.name.padEnd(44)} ${fmt(r.secure).padStart(11)} ${fmt(r.naive).padStart(12)} ${`${ratio.toFixed(2)}×`.padStart(12)}   ${r.goal}${r.goal.startsWith('(') ? '' : r.met ? '  ✓' : '  ✗ not met'}`,
  );
}
console.log(
  `\n(ratio = naive rate / secure rate, i.e. how many times slower the secure sampler is; ${((performance.now() - start) / 1000).toFixed(1)} s; sink ${sink > 0 ? '+' : '-'})`,
);
