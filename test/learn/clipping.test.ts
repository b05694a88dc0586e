import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setKernelBackend } from '../../src/learn/backend.js';
import { accumulateClippedGradients, clipFactor } from '../../src/learn/ghost-clipping.js';
import { perExampleGradient } from '../../src/learn/per-example-gradients.js';
import type { Sequential } from '../../src/learn/sequential.js';
import { example, expectDpError, finiteDifferenceGradient, gradVector, makeBatch, makeNetwork } from './_helpers.js';

function norm(v: ArrayLike<number>, from = 0, to = v.length): number {
  let s = 0;
  for (let j = from; j < to; j++) s += (v[j] as number) ** 2;
  return Math.sqrt(s);
}

/** The explicit oracle: clip materialised per-example gradients and sum them. */
function explicitClippedSum(model: Sequential, size: number, bound: number, mode: 'flat' | 'perLayer'): Float64Array {
  const sum = new Float64Array(model.parameterCount);
  const sizes = model.trainable.map((l) => l.parameters.reduce((s, p) => s + p.value.length, 0));
  const layerBound = bound / Math.sqrt(sizes.length);
  for (let i = 0; i < size; i++) {
    const g = perExampleGradient(model, i);
    if (mode === 'flat') {
      const f = Math.min(1, bound / norm(g));
      for (let j = 0; j < g.length; j++) sum[j] = (sum[j] as number) + f * (g[j] as number);
      continue;
    }
    let offset = 0;
    for (const size of sizes) {
      const f = Math.min(1, layerBound / norm(g, offset, offset + size));
      for (let j = offset; j < offset + size; j++) sum[j] = (sum[j] as number) + f * (g[j] as number);
      offset += size;
    }
  }
  return sum;
}

const netArb = fc.record({
  seed: fc.nat(1_000_000),
  widths: fc.tuple(
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 1, max: 4 }),
    fc.constantFrom(1, 2, 3),
  ),
  depth: fc.constantFrom(2, 3),
  size: fc.integer({ min: 0, max: 6 }),
  bound: fc.constantFrom(0.01, 0.3, 1, 100),
  mode: fc.constantFrom('flat' as const, 'perLayer' as const),
  activation: fc.constantFrom('relu' as const, 'tanh' as const),
});

describe('ghost clipping', () => {
  it('the clipped sum equals the sum of explicitly clipped per-example gradients (flat and per layer, random networks)', () => {
    fc.assert(
      fc.property(netArb, ({ seed, widths, depth, size, bound, mode, activation }) => {
        const model = makeNetwork(seed, depth === 2 ? [widths[0], widths[1], widths[3]] : widths, activation);
        const batch = makeBatch(seed, model, size);
        for (const p of model.parameters) p.grad.fill(0);
        model.forwardBackward(batch);
        const clipped = accumulateClippedGradients(model, size, bound, mode);
        const want = explicitClippedSum(model, size, bound, mode);
        const got = gradVector(model);
        const scale = 1 + norm(want);
        for (let j = 0; j < got.length; j++) expect(Math.abs((got[j] as number) - (want[j] as number))).toBeLessThanOrEqual(1e-9 * scale);
        for (let i = 0; i < size; i++) {
          expect(clipped.gradientNorms[i]).toBeCloseTo(norm(perExampleGradient(model, i)), 9);
          expect(clipped.contributionNorms[i]).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('adding one example moves the clipped sum by at most C (neighbouring batches, random networks, both modes)', () => {
    fc.assert(
      fc.property(
        netArb,
        fc.double({ min: -50, max: 50, noNaN: true }),
        ({ seed, widths, depth, size, bound, mode, activation }, spread) => {
          const model = makeNetwork(seed, depth === 2 ? [widths[0], widths[1], widths[3]] : widths, activation);
          const big = makeBatch(seed, model, size + 1);
          for (let j = size * widths[0]; j < big.inputs.length; j++) big.inputs[j] = (big.inputs[j] as number) * spread; // the added example, possibly extreme
          const sumOf = (b: typeof big) => {
            for (const p of model.parameters) p.grad.fill(0);
            model.forwardBackward(b);
            accumulateClippedGradients(model, b.size, bound, mode);
            return gradVector(model);
          };
          const withIt = sumOf(big);
          const without = sumOf({ inputs: big.inputs.slice(0, size * widths[0]), labels: big.labels.slice(0, size), size });
          const diff = withIt.map((x, j) => x - (without[j] as number));
          expect(norm(diff)).toBeLessThanOrEqual(bound * (1 + 1e-9) + 1e-12 * (1 + norm(without)));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('ghost norms equal the norms of finite-difference gradients (tanh networks)', () => {
    // binary64 reference kernels: finite differences with a step of 1e-6 cannot resolve the binary32 rounding of
    // Dense's wasm route (dense-binary32.proof.md); that route is checked against this oracle in dense-binary32.test.ts.
    setKernelBackend('reference');
    fc.assert(
      fc.property(netArb, ({ seed, widths, size }) => {
        const model = makeNetwork(seed, [widths[0], widths[1], widths[3]], 'tanh');
        const batch = makeBatch(seed, model, Math.max(1, size));
        model.forwardBackward(batch);
        const norms = accumulateClippedGradients(model, batch.size, 1e9, 'flat').gradientNorms;
        for (let i = 0; i < batch.size; i++) {
          const fd = norm(finiteDifferenceGradient(model, example(batch, i, widths[0])));
          expect(Math.abs((norms[i] as number) - fd)).toBeLessThanOrEqual(1e-6 * (1 + fd));
        }
      }),
      { numRuns: 30 },
    );
    setKernelBackend('auto');
  });

  it('an empty batch adds nothing; a non-finite example is dropped, not turned into NaN', () => {
    const model = makeNetwork(3, [2, 3, 2], 'relu');
    for (const p of model.parameters) p.grad.fill(0);
    model.forwardBackward({ inputs: new Float64Array(0), labels: new Int32Array(0), size: 0 });
    expect(accumulateClippedGradients(model, 0, 1, 'flat').contributionNorms.length).toBe(0);
    expect(gradVector(model).every((x) => x === 0)).toBe(true);
    const batch = makeBatch(3, model, 3);
    batch.inputs[2] = Number.POSITIVE_INFINITY; // example 1
    model.forwardBackward(batch);
    const clipped = accumulateClippedGradients(model, 3, 1, 'flat');
    expect(clipped.contributionNorms[1]).toBe(0);
    const got = gradVector(model);
    expect(got.every(Number.isFinite)).toBe(true);
    expect(norm(got)).toBeGreaterThan(0);
    expect(norm(got)).toBeLessThanOrEqual(2);
  });

  it('clip factors never let a contribution exceed the bound, and refuse bad bounds', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e300, noNaN: true }), fc.double({ min: 1e-300, max: 1e300, noNaN: true }), (n, c) => {
        const f = clipFactor(n, c);
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThanOrEqual(1);
        expect(f * n).toBeLessThanOrEqual(c);
      }),
    );
    expect(clipFactor(Number.NaN, 1)).toBe(0);
    expect(clipFactor(36029034175817.66, 1e-300)).toBe(0); // regression: a subnormal factor lost precision and gave f·n > C
    expectDpError(() => clipFactor(1, 0), 'INVALID_PARAMETER');
    const model = makeNetwork(3, [2, 2], 'relu');
    expectDpError(() => accumulateClippedGradients(model, 0, 0, 'flat'), 'INVALID_PARAMETER');
    expectDpError(() => accumulateClippedGradients(model, 0, Number.POSITIVE_INFINITY, 'flat'), 'INVALID_PARAMETER');
  });
});
