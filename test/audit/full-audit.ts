/**
 * The long audit (`npm run audit:full`): every shipped mechanism at
 * ε ∈ {0.5, 1, 2} on more neighbouring pairs (the default search where the
 * domain allows it, plus hand-picked worst cases) with 5·10⁵ samples per
 * input, and every planted bug with 4× its CI samples. Confidence 1 − 1e-6
 * per audit. Exits 1 when a shipped mechanism is flagged or a planted bug is
 * missed. Takes a few minutes on 2 cores; `AUDIT_SAMPLES=N` changes the size.
 */
import { type AuditableMeasurement, type AuditResult, auditPrivacy } from '../../src/audit/index.js';
import { floatDomain, vectorDomain } from '../../src/core/domain.js';
import { defineTransformation } from '../../src/core/measurement.js';
import {
  analyticGaussianSigma,
  discreteGaussianSigmaForEpsilonDelta,
  discreteLaplaceScaleForEpsilon,
  gaussianSigmaForRho,
  laplaceScaleForEpsilon,
  makeCategoricalRandomizedResponse,
  makeDiscreteGaussian,
  makeDiscreteLaplace,
  makeExponential,
  makeGaussian,
  makeLaplace,
  makeRandomizedResponse,
  makeReportNoisyMax,
  makeSparseVector,
  makeVectorGaussian,
  makeVectorLaplace,
  reportNoisyMaxScaleForEpsilon,
  sparseVectorSplit,
} from '../../src/mechanisms/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { PLANTED_BUGS } from './planted/catalogue.js';

const SAMPLES = Number(process.env.AUDIT_SAMPLES ?? 500_000);
let seed = 1;
let failures = 0;

function report(name: string, r: AuditResult, expectViolation: boolean, ms: number) {
  const ok = r.violated === expectViolation;
  if (!ok) failures++;
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(48)} claimed ε=${String(r.claimed.epsilon).padEnd(5)} δ=${String(r.claimed.delta).padEnd(6)} ` +
      `lower bound ${r.lowerBound.toFixed(4).padStart(8)}  pairs ${r.pairsSearched}  ${(ms / 1000).toFixed(1)} s` +
      (r.witness ? `  [${r.witness.description.slice(0, 50)}]` : ''),
  );
}

/** One audit to run: a name and a closure that keeps the mechanism's own input and output types. */
interface Case {
  readonly name: string;
  run(seed: number): AuditResult;
}
function caseOf<I, O>(
  name: string,
  target: AuditableMeasurement<I, O>,
  pairs?: ReadonlyArray<readonly [I, I]>,
  claimed?: { epsilon: number; delta?: number },
): Case {
  return {
    name,
    run: (seed) =>
      auditPrivacy(target, {
        samples: SAMPLES,
        rng: new SeededRandomSource(seed),
        ...(pairs ? { pairs } : {}),
        ...(claimed ? { claimed } : {}),
      }),
  };
}

const vec = (xs: number[]) => xs;
const clampSum = defineTransformation({
  name: 'clamp [-10, 1] and sum',
  inputDomain: vectorDomain(floatDomain({ lower: -10, upper: 1 })),
  outputDomain: floatDomain(),
  inputMetric: 'symmetric-distance',
  outputMetric: 'absolute-distance',
  invoke: (rows: readonly number[]) => rows.reduce((s, v) => s + Math.min(1, Math.max(-10, v)), 0),
  stabilityMap: (dIn) => dIn * 10,
});

for (const epsilon of [0.5, 1, 2]) {
  const queries = Array.from({ length: 30 }, (_, i) => (d: readonly number[]) => d[i] ?? 0);
  const scores = [vec([0, 0, 0, 0]), vec([1, -1, -1, -1])] as const;
  const cases: Case[] = [
    caseOf('laplace', makeLaplace({ scale: laplaceScaleForEpsilon(epsilon, 1) })),
    caseOf('vector laplace (3)', makeVectorLaplace({ scale: laplaceScaleForEpsilon(epsilon, 1, { size: 3 }), size: 3 }), [
      [vec([0, 0, 0]), vec([1, 0, 0])],
      [vec([0, 0, 0]), vec([0.5, 0.5, 0])],
    ]),
    caseOf('gaussian (zCDP, at δ = 1e-3)', makeGaussian({ sigma: gaussianSigmaForRho((epsilon * epsilon) / 2, 1) })),
    caseOf('analytic gaussian (δ = 0.01)', makeGaussian({ sigma: analyticGaussianSigma(epsilon, 0.01, 1), delta: 0.01 })),
    caseOf('vector gaussian (3, δ = 0.01)', makeVectorGaussian({ sigma: analyticGaussianSigma(epsilon, 0.01, 1), delta: 0.01, size: 3 }), [
      [vec([0, 0, 0]), vec([1, 0, 0])],
    ]),
    caseOf('discrete laplace', makeDiscreteLaplace({ scale: discreteLaplaceScaleForEpsilon(epsilon, 1) })),
    caseOf(
      'discrete gaussian (δ = 0.01)',
      makeDiscreteGaussian({ sigma: discreteGaussianSigmaForEpsilonDelta(epsilon, 0.01, 1) }),
      undefined,
      { epsilon, delta: 0.01 },
    ),
    caseOf('randomized response', makeRandomizedResponse({ epsilon })),
    caseOf('categorical randomized response (4)', makeCategoricalRandomizedResponse({ epsilon, categories: ['a', 'b', 'c', 'd'] }), [
      ['a', 'b'],
      ['b', 'd'],
    ]),
    caseOf(
      'exponential (permute-and-flip)',
      makeExponential({ candidates: [0, 1, 2, 3], utility: (s: readonly number[], c: number) => s[c] ?? 0, sensitivity: 1, epsilon }),
      [scores, [vec([0, 0, 0, 0]), vec([1, 0, 0, 0])], [vec([0, 0, 0, 0]), vec([-1, 1, 1, 1])]],
    ),
    caseOf('report-noisy-max', makeReportNoisyMax({ scale: reportNoisyMaxScaleForEpsilon(epsilon, 1) })),
    caseOf(
      'report-noisy-max (monotonic)',
      makeReportNoisyMax({ scale: reportNoisyMaxScaleForEpsilon(epsilon, 1, { monotonic: true }), monotonic: true }),
      [
        [vec([0, 0, 0, 0]), vec([1, 0, 0, 0])],
        [vec([0, 0, 0, 0]), vec([0, 1, 1, 1])],
      ],
    ),
    caseOf(
      'sparse vector (AboveThreshold)',
      makeSparseVector({ queries, threshold: 1, sensitivity: 1, ...sparseVectorSplit(epsilon), inputMetric: 'linf-distance' }),
      [
        [new Array(30).fill(0), new Array(30).fill(1)],
        [new Array(30).fill(1), new Array(30).fill(0)],
        [new Array(30).fill(0), [1, ...new Array(29).fill(-1)]],
      ],
    ),
    caseOf(
      'sparse vector (c = 3)',
      makeSparseVector({
        queries,
        threshold: 1,
        sensitivity: 1,
        maxPositives: 3,
        ...sparseVectorSplit(epsilon, { maxPositives: 3 }),
        inputMetric: 'linf-distance',
      }),
      [[new Array(30).fill(0), new Array(30).fill(1)]],
    ),
    caseOf('clamp → sum → laplace (chained)', clampSum.then(makeLaplace({ scale: laplaceScaleForEpsilon(epsilon, 10) }))),
  ];
  console.log(`\n## shipped mechanisms at ε = ${epsilon}, ${SAMPLES} samples per input`);
  for (const c of cases) {
    const t0 = performance.now();
    const r = c.run(seed++);
    report(c.name, r, false, performance.now() - t0);
  }
}

console.log('\n## planted bugs (must be flagged)');
for (const bug of PLANTED_BUGS) {
  const t0 = performance.now();
  const r = auditPrivacy(bug.target, {
    ...bug.options,
    samples: 4 * (bug.options.samples ?? 100_000),
    claimed: bug.claimed,
    rng: new SeededRandomSource(seed++),
  });
  report(bug.name, r, true, performance.now() - t0);
}

console.log(failures === 0 ? '\nall audits as expected' : `\n${failures} audit(s) NOT as expected`);
process.exitCode = failures === 0 ? 0 : 1;
