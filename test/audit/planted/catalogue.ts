/**
 * The catalogue of planted bugs: deliberately broken mechanisms (test code
 * only, never shipped) that the auditor must flag. Each entry carries the
 * claim the broken code makes, and the neighbouring inputs and sample size
 * that make the bug visible (an auditor, like an attacker, picks its inputs).
 * @module
 */

import type { AuditableMeasurement, AuditOptions } from '../../../src/audit/index.js';
import { floatDomain, vectorDomain } from '../../../src/core/domain.js';
import { approximate, pure } from '../../../src/core/loss.js';
import { defineMeasurement, defineTransformation, type Measurement } from '../../../src/core/measurement.js';
import type { RandomSource } from '../../../src/random/source.js';
import { gaussianNoise, gridLaplaceNoise, naiveLaplaceNoise } from '../helpers.js';

/** One planted bug. */
export interface PlantedBug {
  readonly name: string;
  /** What is wrong, in one line. */
  readonly bug: string;
  // biome-ignore lint/suspicious/noExplicitAny: entries have heterogeneous input and output types.
  readonly target: AuditableMeasurement<any, any>;
  // biome-ignore lint/suspicious/noExplicitAny: idem.
  readonly options: AuditOptions<any, any>;
  /** The claim the broken mechanism states. */
  readonly claimed: { epsilon: number; delta?: number };
}

const EPSILON = 1;

/** Laplace whose scale is half of what its privacy map assumes: true ε = 2. */
const laplaceHalfScale: PlantedBug = {
  name: 'laplace-half-scale',
  bug: 'noise scale b/2 where the privacy map says Δ/b',
  target: defineMeasurement({
    name: 'planted: laplace half scale',
    inputDomain: floatDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'pure',
    invoke: (x: number, rng: RandomSource) => x + gridLaplaceNoise(1 / EPSILON / 2, rng),
    privacyMap: (dIn) => pure(dIn * EPSILON),
  }),
  options: { inputs: [0, 1], samples: 50_000 },
  claimed: { epsilon: EPSILON },
};

/** Gaussian calibrated by plugging ε in where ρ belongs: σ = Δ/√(2ε), claimed (1, 1e-5); true δ(1) ≈ 0.29. */
const gaussianRhoForEpsilon: PlantedBug = {
  name: 'gaussian-epsilon-as-rho',
  bug: 'σ = Δ/√(2ε) (the zCDP formula fed ε) for an (ε, δ) claim',
  target: defineMeasurement({
    name: 'planted: gaussian epsilon as rho',
    inputDomain: floatDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'approximate',
    invoke: (x: number, rng: RandomSource) => x + gaussianNoise(1 / Math.sqrt(2 * EPSILON), rng),
    privacyMap: () => approximate(EPSILON, 1e-5),
  }),
  options: { inputs: [0, 1], samples: 50_000 },
  claimed: { epsilon: EPSILON, delta: 1e-5 },
};

/** Gaussian with the classical σ = √(2 ln(1.25/δ))/ε that forgets the sensitivity Δ = 4. */
const gaussianForgetsSensitivity: PlantedBug = {
  name: 'gaussian-forgets-sensitivity',
  bug: 'σ = √(2 ln(1.25/δ))/ε without the factor Δ = 4',
  target: defineMeasurement({
    name: 'planted: gaussian without sensitivity',
    inputDomain: floatDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'approximate',
    invoke: (x: number, rng: RandomSource) => x + gaussianNoise(Math.sqrt(2 * Math.log(1.25 / 1e-5)) / EPSILON, rng),
    privacyMap: () => approximate(EPSILON, 1e-5),
  }),
  // Neighbours differ by the declared sensitivity 4.
  options: { inputs: [0, 4], samples: 100_000 },
  claimed: { epsilon: EPSILON, delta: 1e-5 },
};

/**
 * The classical σ = Δ·√(2 ln(1.25/δ))/ε (Dwork & Roth, Theorem A.1, proven only for ε < 1) applied at
 * (ε, δ) = (8, 0.2): the true δ at ε = 8 is about 0.48 and the true ε at δ = 0.2 about 11.3. The violation
 * lives where P[M(0) ∈ S] ≈ 1e-5, so it takes 2·10⁶ samples per input to certify.
 */
const CLASSIC_EPSILON = 8;
const CLASSIC_DELTA = 0.2;
const gaussianClassicAtLargeEpsilon: PlantedBug = {
  name: 'gaussian-classic-formula-at-large-epsilon',
  bug: 'σ = Δ√(2 ln(1.25/δ))/ε used at ε = 8, outside the theorem (ε < 1)',
  target: defineMeasurement({
    name: 'planted: classical gaussian at large epsilon',
    inputDomain: floatDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'approximate',
    invoke: (x: number, rng: RandomSource) => x + gaussianNoise(Math.sqrt(2 * Math.log(1.25 / CLASSIC_DELTA)) / CLASSIC_EPSILON, rng),
    privacyMap: () => approximate(CLASSIC_EPSILON, CLASSIC_DELTA),
  }),
  options: { inputs: [0, 1], samples: 2_000_000 },
  claimed: { epsilon: CLASSIC_EPSILON, delta: CLASSIC_DELTA },
};

/** Textbook floating-point Laplace (inverse CDF in doubles): its low-order bits reveal the input (Mironov 2012). */
const naiveFloatLaplace: PlantedBug = {
  name: 'naive-float-laplace',
  bug: 'x + b·ln(U) in doubles: 1 + noise is a multiple of 2^−53, 0 + noise is not',
  target: defineMeasurement({
    name: 'planted: naive float laplace',
    inputDomain: floatDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'pure',
    invoke: (x: number, rng: RandomSource) => x + naiveLaplaceNoise(1 / EPSILON, rng),
    privacyMap: (dIn) => pure(dIn * EPSILON),
  }),
  options: { inputs: [0, 1], samples: 50_000 },
  claimed: { epsilon: EPSILON },
};

/** AboveThreshold (query noise Lap(4Δ/ε)) that forgets to noise the threshold T = 1. */
function sparseVectorNoThresholdNoise(answers: readonly number[], rng: RandomSource): boolean[] {
  const threshold = 1; // BUG: should be 1 + Lap(2Δ/ε)
  const out: boolean[] = [];
  for (const a of answers) {
    const above = a + gridLaplaceNoise(4 / EPSILON, rng) >= threshold;
    out.push(above);
    if (above) break;
  }
  return out;
}
const QUERIES = 30;
const svt: PlantedBug = {
  name: 'sparse-vector-unnoised-threshold',
  bug: 'the threshold is not noised, so every "below" answer costs ε/4',
  target: defineMeasurement({
    name: 'planted: sparse vector without threshold noise',
    inputDomain: vectorDomain(floatDomain(), QUERIES),
    inputMetric: 'linf-distance',
    outputMeasure: 'pure',
    invoke: sparseVectorNoThresholdNoise,
    privacyMap: (dIn) => pure(dIn * EPSILON),
  }),
  options: { inputs: [new Array(QUERIES).fill(0), new Array(QUERIES).fill(1)], samples: 400_000 },
  claimed: { epsilon: EPSILON },
};

/** Report-noisy-max (Laplace 2Δ/ε) that releases the noisy maximum along with its index. */
const CANDIDATES = 8;
const rnmRevealsValue: PlantedBug = {
  name: 'report-noisy-max-reveals-value',
  bug: 'releases the noisy maximum value, not just the index',
  target: defineMeasurement({
    name: 'planted: report noisy max with value',
    inputDomain: vectorDomain(floatDomain(), CANDIDATES),
    inputMetric: 'linf-distance',
    outputMeasure: 'pure',
    invoke: (scores: readonly number[], rng: RandomSource) => {
      let index = 0;
      let value = Number.NEGATIVE_INFINITY;
      scores.forEach((s, i) => {
        const noisy = s + gridLaplaceNoise(2 / EPSILON, rng);
        if (noisy > value) {
          value = noisy;
          index = i;
        }
      });
      return { index, value };
    },
    privacyMap: (dIn) => pure(dIn * EPSILON),
  }),
  options: { inputs: [new Array(CANDIDATES).fill(0), new Array(CANDIDATES).fill(1)], samples: 50_000 },
  claimed: { epsilon: EPSILON },
};

/** A bounded sum that declares clamping bounds [0, 1] (sensitivity 1) but never clamps. Found by the default neighbour search. */
const sumWithoutClamping: PlantedBug = {
  name: 'sum-ignores-clamping',
  bug: 'sensitivity from bounds [0, 1] but values are not clamped',
  target: defineMeasurement({
    name: 'planted: sum without clamping',
    inputDomain: vectorDomain(floatDomain()),
    inputMetric: 'symmetric-distance',
    outputMeasure: 'pure',
    invoke: (rows: readonly number[], rng: RandomSource) => rows.reduce((s, v) => s + v, 0) + gridLaplaceNoise(1 / EPSILON, rng),
    privacyMap: (dIn) => pure(dIn * EPSILON),
  }),
  options: { samples: 10_000 },
  claimed: { epsilon: EPSILON },
};

/** A sum that clamps to [−10, 1] but takes the sensitivity as the upper bound 1, ignoring |lower| = 10. Default neighbour search. */
const clampThenSum = defineTransformation({
  name: 'clamp [-10, 1] and sum',
  inputDomain: vectorDomain(floatDomain({ lower: -10, upper: 1 })),
  outputDomain: floatDomain(),
  inputMetric: 'symmetric-distance',
  outputMetric: 'absolute-distance',
  invoke: (rows: readonly number[]) => rows.reduce((s, v) => s + Math.min(1, Math.max(-10, v)), 0),
  stabilityMap: (dIn) => dIn * 1, // BUG: max(|lower|, |upper|) = 10
});
const laplaceForSum: Measurement<number, number, 'pure'> = defineMeasurement({
  name: 'laplace (test)',
  inputDomain: floatDomain(),
  inputMetric: 'absolute-distance',
  outputMeasure: 'pure',
  invoke: (x: number, rng: RandomSource) => x + gridLaplaceNoise(1 / EPSILON, rng),
  privacyMap: (dIn) => pure(dIn * EPSILON),
});
const sumSensitivityFromUpper: PlantedBug = {
  name: 'sum-sensitivity-ignores-lower-bound',
  bug: 'clamps to [−10, 1] but uses sensitivity 1 (a chained measurement)',
  target: clampThenSum.then(laplaceForSum),
  options: { samples: 10_000 },
  claimed: { epsilon: EPSILON },
};

/** Randomized response that keeps the true bit with probability e^{2ε}/(1 + e^{2ε}) while claiming ε. */
const rrWrongProbability: PlantedBug = {
  name: 'randomized-response-double-epsilon',
  bug: 'truth probability computed with 2ε',
  target: defineMeasurement({
    name: 'planted: randomized response with 2ε',
    inputDomain: { kind: 'bool' },
    inputMetric: 'discrete-distance',
    outputMeasure: 'pure',
    invoke: (bit: boolean, rng: RandomSource) => {
      const keep = Math.exp(2 * EPSILON) / (1 + Math.exp(2 * EPSILON));
      return rng.nextUint32() / 2 ** 32 < keep ? bit : !bit;
    },
    privacyMap: (dIn) => pure(Math.min(dIn, 1) * EPSILON),
  }),
  options: { samples: 50_000 },
  claimed: { epsilon: EPSILON },
};

/** A sequential composition of two Laplace releases that prices the pair as one release (max instead of sum). */
const compositionCountedOnce: PlantedBug = {
  name: 'composition-counted-once',
  bug: 'two ε-DP releases of the same value priced as ε instead of 2ε',
  target: defineMeasurement({
    name: 'planted: composition counted once',
    inputDomain: floatDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'pure',
    invoke: (x: number, rng: RandomSource) => [x + gridLaplaceNoise(1 / EPSILON, rng), x + gridLaplaceNoise(1 / EPSILON, rng)],
    privacyMap: (dIn) => pure(dIn * EPSILON), // BUG: 2·dIn·ε
  }),
  options: { inputs: [0, 1], samples: 200_000 },
  claimed: { epsilon: EPSILON },
};

/** Every planted bug. */
export const PLANTED_BUGS: readonly PlantedBug[] = [
  laplaceHalfScale,
  gaussianRhoForEpsilon,
  gaussianForgetsSensitivity,
  gaussianClassicAtLargeEpsilon,
  naiveFloatLaplace,
  svt,
  rnmRevealsValue,
  sumWithoutClamping,
  sumSensitivityFromUpper,
  rrWrongProbability,
  compositionCountedOnce,
];
