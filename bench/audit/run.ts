/**
 * Benchmark of the auditor (`tsdp/audit`):
 * 1. throughput: mechanism samples per second through the whole audit (selection, features,
 *    event search, certification), next to the mechanism's own invocation rate;
 * 2. tightness on exact mechanisms: the certified lower bound ÷ the true ε, at 10⁶ samples per
 *    input (2·10⁶ invocations), confidence 1 − 1e-6, for Laplace and randomized response at
 *    ε ∈ {0.5, 1, 2}. Goal: ≥ 0.8.
 * Run: `npx tsx bench/audit/run.ts` (about a minute on 2 cores).
 */
import { auditPrivacy } from '../../src/audit/index.js';
import {
  laplaceScaleForEpsilon,
  makeLaplace,
  makeRandomizedResponse,
  makeReportNoisyMax,
  reportNoisyMaxScaleForEpsilon,
} from '../../src/mechanisms/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const SAMPLES = 1_000_000;

function rate(n: number, ms: number): string {
  return `${((n / ms) * 1000).toLocaleString('en-US', { maximumFractionDigits: 0 })}/s`;
}

console.log('## throughput (samples per second, one core)');
console.log('mechanism            | invoke only   | through the audit | audit overhead');
const throughputCases: Array<[string, { invoke(x: never, rng: SeededRandomSource): unknown }, unknown, unknown]> = [
  ['laplace', makeLaplace({ scale: laplaceScaleForEpsilon(1, 1) }), 0, 1],
  ['randomized-response', makeRandomizedResponse({ epsilon: 1 }), true, false],
  ['report-noisy-max (4)', makeReportNoisyMax({ scale: reportNoisyMaxScaleForEpsilon(1, 1) }), [0, 0, 0, 0], [1, -1, -1, -1]],
];
for (const [name, m, x, y] of throughputCases) {
  const rng = new SeededRandomSource(1);
  const n = 400_000;
  // Warm-up (JIT) before timing.
  for (let i = 0; i < n / 4; i++) m.invoke((i & 1 ? y : x) as never, rng);
  let t0 = performance.now();
  // Both inputs, as the audit draws them (a mechanism's cost may depend on its input).
  for (let i = 0; i < n; i++) m.invoke((i & 1 ? y : x) as never, rng);
  const invokeMs = performance.now() - t0;
  t0 = performance.now();
  const r = auditPrivacy(m as Parameters<typeof auditPrivacy>[0], { claimed: { epsilon: 1 }, inputs: [x, y], samples: n / 2, rng });
  const auditMs = performance.now() - t0;
  console.log(
    `${name.padEnd(20)} | ${rate(n, invokeMs).padStart(13)} | ${rate(r.invocations, auditMs).padStart(17)} | ${(auditMs / invokeMs).toFixed(2)}×`,
  );
}

console.log(`\n## tightness: certified lower bound ÷ true ε at ${SAMPLES.toLocaleString('en-US')} samples per input, confidence 1 − 1e-6`);
console.log('mechanism           | ε claimed | true ε    | lower bound | ratio | witness event                 | seconds');
let worst = Number.POSITIVE_INFINITY;
for (const epsilon of [0.5, 1, 2]) {
  const cases: Array<[string, Parameters<typeof auditPrivacy>[0], readonly [unknown, unknown]]> = [
    ['laplace', makeLaplace({ scale: laplaceScaleForEpsilon(epsilon, 1) }), [0, 1]],
    ['randomized-response', makeRandomizedResponse({ epsilon }), [true, false]],
  ];
  for (const [name, m, inputs] of cases) {
    const trueEpsilon = (m as { privacyMap(d: number): { epsilon: number } }).privacyMap(1).epsilon;
    const t0 = performance.now();
    const r = auditPrivacy(m, { inputs, samples: SAMPLES, rng: new SeededRandomSource(Math.round(epsilon * 100)) });
    const s = (performance.now() - t0) / 1000;
    const ratio = r.lowerBound / trueEpsilon;
    worst = Math.min(worst, ratio);
    console.log(
      `${name.padEnd(19)} | ${String(epsilon).padEnd(9)} | ${trueEpsilon.toFixed(6)} | ${r.lowerBound.toFixed(6).padEnd(11)} | ${ratio.toFixed(3)} | ${(r.witness?.description ?? '-').slice(0, 29).padEnd(29)} | ${s.toFixed(1)}`,
    );
  }
}
console.log(`\nworst tightness ratio: ${worst.toFixed(3)} (goal ≥ 0.8): ${worst >= 0.8 ? 'met' : 'NOT met'}`);
