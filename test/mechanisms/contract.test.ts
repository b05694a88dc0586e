import { describe, expect, it } from 'vitest';
import { floatDomain } from '../../src/core/domain.js';
import { DpError } from '../../src/core/errors.js';
import { type PureLoss, pure } from '../../src/core/loss.js';
import { defineMeasurement } from '../../src/core/measurement.js';
import { traceNoise } from '../../src/core/trace.js';
import { makeLaplace } from '../../src/mechanisms/laplace.js';
import { addSecureLaplaceNoise } from '../../src/random/index.js';
import type { RandomSource } from '../../src/random/source.js';
import { assertMeasurementContract } from '../../src/testing/contract.js';

/** A Laplace-like measurement with one part swapped out, to check that the kit notices. */
function variant(overrides: { privacyMap?: (dIn: number) => ReturnType<typeof pure>; invoke?: (x: number, rng: RandomSource) => number }) {
  return defineMeasurement({
    name: 'variant',
    inputDomain: floatDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'pure',
    invoke:
      overrides.invoke ??
      ((x: number, rng: RandomSource) => {
        if (!Number.isFinite(x)) throw new DpError('INVALID_PARAMETER', 'finite input', { parameter: 'input' });
        traceNoise({ primitive: 'laplace', value: x, sensitivity: 1, scale: 1 });
        return addSecureLaplaceNoise(x, 1, rng);
      }),
    privacyMap: overrides.privacyMap ?? ((dIn) => pure(dIn)),
  });
}

describe('assertMeasurementContract', () => {
  it('passes a correct mechanism', () => {
    expect(() => assertMeasurementContract(makeLaplace({ scale: 1 }), { inputs: [1] })).not.toThrow();
  });
  it('catches a privacy map that decreases', () => {
    expect(() => assertMeasurementContract(variant({ privacyMap: (d) => pure(1 / (1 + d)) }), { inputs: [1] })).toThrow(/non-decreasing/);
  });
  it('catches a mechanism that ignores the seed (uses its own randomness)', () => {
    let counter = 0;
    const leaky = variant({
      invoke: (x) => {
        traceNoise({ primitive: 'laplace', value: x, sensitivity: 1, scale: 1 });
        counter++;
        return x + counter;
      },
    });
    expect(() => assertMeasurementContract(leaky, { inputs: [1] })).toThrow(/same seed/);
  });
  it('catches a mechanism that adds no noise', () => {
    const constant = variant({
      invoke: (x) => {
        traceNoise({ primitive: 'none', value: x, sensitivity: 1, scale: 1 });
        if (!Number.isFinite(x)) throw new DpError('INVALID_PARAMETER', 'finite input', { parameter: 'input' });
        return x;
      },
    });
    expect(() => assertMeasurementContract(constant, { inputs: [1] })).toThrow(/different seeds/);
  });
  it('catches a mechanism that accepts NaN in a float domain', () => {
    const lax = variant({
      invoke: (x, rng) => {
        traceNoise({ primitive: 'laplace', value: x, sensitivity: 1, scale: 1 });
        return Number.isFinite(x) ? addSecureLaplaceNoise(x, 1, rng) : 0;
      },
    });
    expect(() => assertMeasurementContract(lax, { inputs: [1] })).toThrow(/out-of-domain/);
  });
  it('catches noise that bypasses the trace hook', () => {
    const silent = variant({
      invoke: (x, rng) => {
        if (!Number.isFinite(x)) throw new DpError('INVALID_PARAMETER', 'finite input', { parameter: 'input' });
        return addSecureLaplaceNoise(x, 1, rng);
      },
    });
    expect(() => assertMeasurementContract(silent, { inputs: [1] })).toThrow(/trace hook/);
  });
  it('catches a privacy map that returns a negative or infinite loss', () => {
    expect(() =>
      assertMeasurementContract(
        variant({ privacyMap: () => ({ kind: 'pure', epsilon: Number.POSITIVE_INFINITY }) as unknown as PureLoss }),
        { inputs: [1] },
      ),
    ).toThrow(/finite/);
  });
});
