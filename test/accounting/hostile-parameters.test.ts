/**
 * Hostile parameters (issue 10, item 12): every public entry of mechanisms, accounting and random,
 * fed a hostile value for one parameter, either returns a correct result or refuses with
 * DpError INVALID_PARAMETER (BUDGET_EXHAUSTED for a valid charge too large) — never a RangeError/TypeError, never NaN. Rule: src/core/params.proof.md.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApproxDpFilter,
  addSecureGaussianNoise,
  addSecureLaplaceNoise,
  advancedComposition,
  CryptoRandomSource,
  DpEvents,
  defaultRandomSource,
  isDpError,
  isSecureSource,
  makeDiscreteLaplace,
  makeGaussian,
  makeLaplace,
  optimalComposition,
  PldAccountant,
  type RandomSource,
  RdpAccountant,
  RdpFilter,
  sampleUniformBelow,
  ZcdpAccountant,
  ZcdpFilter,
} from '../../src/index.js';
import { SeededRandomSource } from '../../src/testing/index.js';

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(1n, 0n, '1', '', 'NaN', Number.NaN, Infinity, -Infinity, -0, 0, 5e-324, -5e-324, 2 ** -1074, -1, 1e308, -1e308),
  fc.constantFrom<unknown>(null, undefined, {}, [], [1], { valueOf: () => 1 }, true, Symbol('x')),
  fc.double(),
);

const rng = defaultRandomSource();
const h = (x: unknown) => x as number;

/** Every public entry with one parameter replaced by a hostile value. */
const entries: [string, (x: unknown) => unknown][] = [
  ['makeLaplace scale', (x) => makeLaplace({ scale: h(x) }).invoke(0, rng)],
  ['makeLaplace sensitivity', (x) => makeLaplace({ scale: 1, sensitivity: h(x) }).invoke(0, rng)],
  ['makeGaussian sigma', (x) => makeGaussian({ sigma: h(x) }).invoke(0, rng)],
  ['makeGaussian delta', (x) => makeGaussian({ sigma: 1, delta: h(x) }).invoke(0, rng)],
  ['makeDiscreteLaplace scale', (x) => makeDiscreteLaplace({ scale: h(x) }).invoke(0n, rng)],
  ['RdpFilter.fromEpsilonDelta epsilon', (x) => RdpFilter.fromEpsilonDelta(h(x), 1e-5)],
  ['RdpFilter.fromEpsilonDelta delta', (x) => RdpFilter.fromEpsilonDelta(1, h(x))],
  ['RdpFilter.fromEpsilonDelta order', (x) => RdpFilter.fromEpsilonDelta(1, 1e-5, h(x))],
  ['new RdpFilter order', (x) => new RdpFilter({ order: h(x), budget: 1 })],
  ['new RdpFilter budget', (x) => new RdpFilter({ order: 4, budget: h(x) })],
  ['new ZcdpFilter', (x) => new ZcdpFilter(h(x))],
  ['ZcdpFilter.fromEpsilonDelta epsilon', (x) => ZcdpFilter.fromEpsilonDelta(h(x), 1e-6)],
  ['ZcdpFilter.charge', (x) => new ZcdpFilter(1).charge(h(x))],
  ['ZcdpFilter.canCharge', (x) => new ZcdpFilter(1).canCharge(h(x))],
  ['ApproxDpFilter epsilon', (x) => new ApproxDpFilter({ epsilon: h(x) })],
  ['ApproxDpFilter.charge', (x) => new ApproxDpFilter({ epsilon: 1, delta: 1e-6 }).charge(h(x))],
  ['ApproxDpFilter.canCharge', (x) => new ApproxDpFilter({ epsilon: 1, delta: 1e-6 }).canCharge(0.1, h(x))],
  ['DpEvents.gaussian', (x) => new RdpAccountant().compose(DpEvents.gaussian(h(x))).epsilon(1e-6)],
  ['DpEvents.laplace', (x) => new PldAccountant().compose(DpEvents.laplace(h(x))).epsilon(1e-6)],
  ['DpEvents.zcdp', (x) => new ZcdpAccountant().compose(DpEvents.zcdp(h(x))).epsilon(1e-6)],
  ['DpEvents.poissonSampled', (x) => new RdpAccountant().compose(DpEvents.poissonSampled(h(x), DpEvents.gaussian(1))).epsilon(1e-6)],
  ['RdpAccountant.epsilon', (x) => new RdpAccountant().compose(DpEvents.gaussian(1)).epsilon(h(x))],
  ['RdpAccountant.delta', (x) => new RdpAccountant().compose(DpEvents.gaussian(1)).delta(h(x))],
  ['ZcdpAccountant.epsilon', (x) => new ZcdpAccountant().compose(DpEvents.gaussian(1)).epsilon(h(x))],
  ['PldAccountant.delta', (x) => new PldAccountant().compose(DpEvents.laplace(1)).delta(h(x))],
  ['compose count', (x) => new RdpAccountant().compose(DpEvents.gaussian(1), h(x)).epsilon(1e-6)],
  ['advancedComposition epsilon', (x) => advancedComposition(h(x), 0, 10, 1e-6)],
  ['optimalComposition targetDelta', (x) => optimalComposition(0.1, 0, 10, h(x))],
  ['addSecureLaplaceNoise scale', (x) => addSecureLaplaceNoise(0, h(x), rng)],
  ['addSecureGaussianNoise sigma', (x) => addSecureGaussianNoise(0, h(x), rng)],
  ['sampleUniformBelow n', (x) => sampleUniformBelow(h(x), rng)],
];

function outcome(f: () => unknown): 'ok' | 'refused' {
  let r: unknown;
  try {
    r = f();
  } catch (e) {
    if (isDpError(e, 'INVALID_PARAMETER')) return 'refused';
    if (isDpError(e, 'BUDGET_EXHAUSTED')) return 'ok'; // a correct answer to a valid, too-large charge
    throw e;
  }
  if (typeof r === 'number') expect(Number.isNaN(r)).toBe(false);
  return 'ok';
}

describe('hostile parameters', () => {
  it('regressions: subnormal scale, bigint and string budgets are refused with INVALID_PARAMETER', () => {
    for (const f of [
      () => makeLaplace({ scale: 5e-324 }),
      () => RdpFilter.fromEpsilonDelta(1n as unknown as number, 1e-5),
      () => RdpFilter.fromEpsilonDelta('1' as unknown as number, 1e-5),
      () => new ZcdpFilter(1n as unknown as number),
      () => makeGaussian({ sigma: 5e-324 }),
    ]) {
      expect(outcome(f)).toBe('refused');
    }
  });

  it('regression: isSeeded is read-only and only the platform CSPRNG is secure', () => {
    const c = new CryptoRandomSource();
    expect(() => {
      (c as { isSeeded: boolean }).isSeeded = true;
    }).toThrow(TypeError);
    expect(isSecureSource(c)).toBe(true);
    const fake: RandomSource = { isSeeded: false, nextUint32: () => 4, fill: (o) => o.fill(4) };
    expect(isSecureSource(fake)).toBe(false);
    expect(isSecureSource(new SeededRandomSource(1))).toBe(false);
    const release = makeLaplace({ scale: 1 }).release(0, { rng: fake });
    expect(release.notForRelease).toBe(true);
    expect(makeLaplace({ scale: 1 }).release(0, { rng: c }).notForRelease).toBeUndefined();
  });

  it('generative: every public entry gives a correct result or INVALID_PARAMETER for every hostile value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...entries), hostile, ([, f], x) => {
        outcome(() => f(x));
      }),
      { numRuns: 2000, seed: 12_2026 },
    );
  });
});
