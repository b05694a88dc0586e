/**
 * The audit of every shipped mechanism, in CI. Each audit certifies its lower
 * bound at confidence 1 − 1e-6, so a correct mechanism fails a test with
 * probability at most 1e-6 (fixed seeds make each run reproducible).
 */
import { describe, expect, it } from 'vitest';
import { auditPrivacy } from '../../src/audit/index.js';
import { floatDomain, vectorDomain } from '../../src/core/domain.js';
import { pure } from '../../src/core/loss.js';
import { defineMeasurement, defineTransformation } from '../../src/core/measurement.js';
import {
  analyticGaussianSigma,
  discreteGaussianSigmaSquaredForRho,
  discreteLaplaceScaleForEpsilon,
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
import type { RandomSource } from '../../src/random/source.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const rng = (seed: number) => new SeededRandomSource(seed);

function expectPasses(result: ReturnType<typeof auditPrivacy>) {
  expect(result.confidence).toBeGreaterThanOrEqual(1 - 1e-6);
  expect(result.violated, `lower bound ${result.lowerBound} vs claimed ${result.claimed.epsilon}: ${result.witness?.description}`).toBe(
    false,
  );
  expect(result.lowerBound).toBeLessThanOrEqual(result.claimed.epsilon);
}

describe('every shipped mechanism passes its audit (false-failure probability ≤ 1e-6 per test)', () => {
  it('laplace at ε = 1, default neighbour search, and the bound is close to the claim', () => {
    const result = auditPrivacy(makeLaplace({ scale: laplaceScaleForEpsilon(1, 1) }), { samples: 200_000, rng: rng(1) });
    expectPasses(result);
    expect(result.pairsSearched).toBeGreaterThan(1);
    // Power check: on an exact mechanism the certified bound is most of the claim.
    expect(result.lowerBound).toBeGreaterThan(0.7);
  });

  it('vector laplace on ℓ1 neighbours', () => {
    const m = makeVectorLaplace({ scale: laplaceScaleForEpsilon(1, 1, { size: 3 }), size: 3 });
    expectPasses(
      auditPrivacy(m, {
        pairs: [
          [
            [0, 0, 0],
            [1, 0, 0],
          ],
        ],
        samples: 100_000,
        rng: rng(2),
      }),
    );
  });

  it('gaussian (zCDP, tested at δ = 1e-3) with the default neighbour search', () => {
    expectPasses(auditPrivacy(makeGaussian({ sigma: 1 }), { samples: 100_000, rng: rng(3) }));
  });

  it('analytic gaussian calibrated exactly to (ε, δ) = (1, 0.05)', () => {
    const m = makeGaussian({ sigma: analyticGaussianSigma(1, 0.05, 1), delta: 0.05 });
    expectPasses(auditPrivacy(m, { inputs: [0, 1], samples: 200_000, rng: rng(4) }));
  });

  it('vector gaussian calibrated to (ε, δ) = (1, 0.01), one coordinate shifted', () => {
    const m = makeVectorGaussian({ sigma: analyticGaussianSigma(1, 0.01, 1), delta: 0.01, size: 3 });
    expectPasses(
      auditPrivacy(m, {
        pairs: [
          [
            [0, 0, 0],
            [1, 0, 0],
          ],
        ],
        samples: 100_000,
        rng: rng(14),
      }),
    );
  });

  it('discrete laplace on bigints', () => {
    const m = makeDiscreteLaplace({ scale: discreteLaplaceScaleForEpsilon(1, 1) });
    expectPasses(auditPrivacy(m, { samples: 100_000, rng: rng(5) }));
  });

  it('discrete gaussian (zCDP, tested at δ = 1e-3)', () => {
    const m = makeDiscreteGaussian({ sigmaSquared: discreteGaussianSigmaSquaredForRho(0.5, 1) });
    expectPasses(auditPrivacy(m, { samples: 100_000, rng: rng(6) }));
  });

  it('binary randomized response, and the bound is close to the claim', () => {
    const result = auditPrivacy(makeRandomizedResponse({ epsilon: 1 }), { samples: 200_000, rng: rng(7) });
    expectPasses(result);
    expect(result.lowerBound).toBeGreaterThan(0.8);
  });

  it('categorical randomized response over four categories', () => {
    const m = makeCategoricalRandomizedResponse({ epsilon: 1, categories: ['a', 'b', 'c', 'd'] });
    expectPasses(
      auditPrivacy(m, {
        pairs: [
          ['a', 'b'],
          ['a', 'd'],
        ],
        samples: 100_000,
        rng: rng(8),
      }),
    );
  });

  it('exponential mechanism (permute-and-flip) on utility vectors', () => {
    const m = makeExponential({
      candidates: [0, 1, 2, 3],
      utility: (scores: readonly number[], c: number) => scores[c] ?? 0,
      sensitivity: 1,
      epsilon: 1,
    });
    const pairs: Array<[number[], number[]]> = [
      [
        [0, 0, 0, 0],
        [1, -1, -1, -1],
      ],
      [
        [0, 0, 0, 0],
        [1, 0, 0, 0],
      ],
    ];
    expectPasses(auditPrivacy(m, { pairs, samples: 100_000, rng: rng(9) }));
  });

  it('report-noisy-max with the default ℓ∞ neighbour search', () => {
    const m = makeReportNoisyMax({ scale: reportNoisyMaxScaleForEpsilon(1, 1) });
    expectPasses(auditPrivacy(m, { samples: 100_000, rng: rng(10) }));
  });

  it('sparse vector on the inputs that break the unnoised-threshold variant', () => {
    const queries = Array.from({ length: 30 }, (_, i) => (d: readonly number[]) => d[i] ?? 0);
    const m = makeSparseVector({ queries, threshold: 1, sensitivity: 1, ...sparseVectorSplit(1), inputMetric: 'linf-distance' });
    const result = auditPrivacy(m, { inputs: [new Array(30).fill(0), new Array(30).fill(1)], samples: 200_000, rng: rng(11) });
    expectPasses(result);
  });

  it('a sequential composition of two laplace releases priced by basic composition (vector output)', () => {
    const laplace = makeLaplace({ scale: laplaceScaleForEpsilon(0.5, 1) });
    const both = defineMeasurement({
      name: 'laplace twice',
      inputDomain: floatDomain(),
      inputMetric: 'absolute-distance',
      outputMeasure: 'pure',
      invoke: (x: number, r: RandomSource) => [laplace.invoke(x, r), laplace.invoke(x, r)],
      privacyMap: (dIn) => pure(2 * laplace.privacyMap(dIn).epsilon),
    });
    const result = auditPrivacy(both, { inputs: [0, 1], samples: 100_000, rng: rng(13) });
    expectPasses(result);
    expect(result.claimed.epsilon).toBeCloseTo(1, 9);
  });

  it('a chained measurement: clamp to [−10, 1], sum with sensitivity 10, laplace (default dataset neighbours)', () => {
    const clampSum = defineTransformation({
      name: 'clamp and sum',
      inputDomain: vectorDomain(floatDomain({ lower: -10, upper: 1 })),
      outputDomain: floatDomain(),
      inputMetric: 'symmetric-distance',
      outputMetric: 'absolute-distance',
      invoke: (rows: readonly number[]) => rows.reduce((s, v) => s + Math.min(1, Math.max(-10, v)), 0),
      stabilityMap: (dIn) => dIn * 10,
    });
    const m = clampSum.then(makeLaplace({ scale: laplaceScaleForEpsilon(1, 10) }));
    expectPasses(auditPrivacy(m, { samples: 30_000, rng: rng(12) }));
  });
});
