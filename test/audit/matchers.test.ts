import { describe, expect, it } from 'vitest';
import { floatDomain } from '../../src/core/domain.js';
import { pure } from '../../src/core/loss.js';
import { defineMeasurement } from '../../src/core/measurement.js';
import { laplaceScaleForEpsilon, makeLaplace } from '../../src/mechanisms/index.js';
import type { RandomSource } from '../../src/random/source.js';
import { dpMatchers } from '../../src/testing/index.js';
import { gridLaplaceNoise } from './helpers.js';

expect.extend(dpMatchers);

describe('toSatisfyDP', () => {
  it('passes on a correct Laplace mechanism (false-failure probability ≤ 1e-6)', () => {
    expect(makeLaplace({ scale: laplaceScaleForEpsilon(1, 1) })).toSatisfyDP({ epsilon: 1 }, { inputs: [0, 1], samples: 100_000, seed: 1 });
  });

  it('fails on Laplace with half the scale, and .not passes (seeded)', () => {
    const broken = defineMeasurement({
      name: 'half-scale laplace',
      inputDomain: floatDomain(),
      inputMetric: 'absolute-distance',
      outputMeasure: 'pure',
      invoke: (x: number, rng: RandomSource) => x + gridLaplaceNoise(0.5, rng),
      privacyMap: (dIn) => pure(dIn),
    });
    expect(broken).not.toSatisfyDP({ epsilon: 1 }, { inputs: [0, 1], samples: 50_000, seed: 2 });
    expect(() => expect(broken).toSatisfyDP({ epsilon: 1 }, { inputs: [0, 1], samples: 50_000, seed: 3 })).toThrow(/refutes/);
  });

  it('accepts a bare randomized function with inputs, and a δ in the claim (false-failure probability ≤ 1e-6)', () => {
    const f = (x: number, rng: RandomSource) => x + gridLaplaceNoise(1, rng);
    expect(f).toSatisfyDP({ epsilon: 1, delta: 1e-6 }, { inputs: [0, 1], samples: 50_000, seed: 4 });
  });

  it('refuses a received value that is not a mechanism', () => {
    expect(() => expect(42).toSatisfyDP({ epsilon: 1 })).toThrow(/INVALID_PARAMETER/);
  });
});
