/**
 * The size-limits class (Trust finding: huge-but-valid layer sizes hung tsdp/learn, e.g.
 * dense(1e6, 1e6)). The rule is in src/learn/size-limits.ts: every size a caller's numbers
 * determine is bounded at the edge — a layer's and a model's parameters ≤ 2²⁵, any per-example
 * buffer ≤ 2²⁴ values, any batch buffer ≤ 2²⁷ values — and refused with DpError
 * INVALID_PARAMETER before anything that size determines is allocated or looped over.
 * Regressions for the reported shapes; a generative test over random shapes of every layer kind
 * (built with exactly the parameters the shape implies, or refused with INVALID_PARAMETER iff the
 * exact (BigInt) sizes exceed a limit; no other error); the trainer's chunking.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/index.js';
import { relu, tanh } from '../../src/learn/activations.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { dense } from '../../src/learn/dense.js';
import { embedding } from '../../src/learn/embedding.js';
import type { Layer } from '../../src/learn/layer.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
import { mlp } from '../../src/learn/models.js';
import { groupNorm, layerNorm } from '../../src/learn/normalization.js';
import { sgd } from '../../src/learn/optimizers.js';
import { avgPool2d, maxPool2d } from '../../src/learn/pool2d.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { Sequential } from '../../src/learn/sequential.js';
import { LEARN_SIZE_LIMITS } from '../../src/learn/size-limits.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { expectDpError, makeBatch } from './_helpers.js';

const P = BigInt(LEARN_SIZE_LIMITS.maxParameters);
const E = BigInt(LEARN_SIZE_LIMITS.maxExampleValues);
/** Shapes this test builds for real (a few MB at most). */
const BUILD = 1n << 16n;

/** Runs `build`: undefined if it threw DpError INVALID_PARAMETER, else the layer; anything else rethrows. */
function attempt<T>(build: () => T): T | undefined {
  try {
    return build();
  } catch (e) {
    if (e instanceof DpError && e.code === 'INVALID_PARAMETER') return undefined;
    throw e;
  }
}

function parameterCount(l: { parameters: readonly { value: Float64Array }[] }): bigint {
  return BigInt(l.parameters.reduce((s, p) => s + p.value.length, 0));
}

/** A size: mostly small, sometimes huge (2¹²…2⁴⁵), so that products straddle the limits. */
const size = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 9 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2 ** 12, max: 2 ** 45 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 24, 2 ** 24 + 1, 2 ** 25, 2 ** 25 + 1, 1e6, 2 ** 31 - 1, Number.MAX_SAFE_INTEGER) },
);

/**
 * Checks one shape: refused with INVALID_PARAMETER exactly when `exceeds`; otherwise, when its
 * parameter count and buffers are small enough to build here, built with `params` parameters.
 */
function checkShape(exceeds: boolean, big: bigint, params: bigint, build: () => { parameters: readonly { value: Float64Array }[] }): void {
  if (exceeds) {
    expect(attempt(build)).toBeUndefined();
    return;
  }
  if (big > BUILD || params > BUILD) return; // valid, too large to build in a unit test (the boundary cases below cover it)
  const layer = attempt(build);
  expect(layer).toBeDefined();
  expect(parameterCount(layer as { parameters: readonly { value: Float64Array }[] })).toBe(params);
}

describe('size limits: huge-but-valid shapes are refused at the edge (INVALID_PARAMETER), never hang or escape', () => {
  it('regression: dense(1e6, 1e6), mlp([1e6, 1e6]), embedding(1e9, 512, 1), conv2d 1e5×1e5, relu(2³¹−1) are refused at once', () => {
    expectDpError(() => dense(1e6, 1e6), 'INVALID_PARAMETER');
    expectDpError(() => dense(1e5, 1e4), 'INVALID_PARAMETER'); // 1e9 parameters: used to allocate 16 GB and loop
    expectDpError(() => mlp([1e6, 1e6, 10]), 'INVALID_PARAMETER');
    expectDpError(() => mlp([4096, 4096, 4096, 4096]), 'INVALID_PARAMETER'); // 50 M in all, each layer alone fits
    expectDpError(() => embedding(1e9, 512, 1), 'INVALID_PARAMETER');
    expectDpError(() => conv2d({ inChannels: 1, height: 1e5, width: 1e5, outChannels: 1, kernelSize: 3 }), 'INVALID_PARAMETER');
    expectDpError(() => conv2d({ inChannels: 64, height: 512, width: 512, outChannels: 64, kernelSize: 3 }), 'INVALID_PARAMETER'); // im2col 2.4e8 per example
    expectDpError(() => relu(2 ** 31 - 1), 'INVALID_PARAMETER');
    expectDpError(() => softmaxCrossEntropy(2 ** 30), 'INVALID_PARAMETER');
    expectDpError(() => layerNorm(2 ** 24), 'INVALID_PARAMETER'); // 2C per-example gradient values
    expectDpError(() => maxPool2d({ channels: 1e4, height: 1e4, width: 1e4, kernelSize: 2 }), 'INVALID_PARAMETER');
    const e = attempt(() => dense(1e6, 1e6));
    expect(e).toBeUndefined();
    try {
      dense(1e6, 1e6);
    } catch (err) {
      expect((err as DpError).details).toMatchObject({ parameter: 'outputSize' });
    }
  });

  it('the limits are the documented values and shapes at them are accepted by the checks', () => {
    expect(LEARN_SIZE_LIMITS).toEqual({ maxParameters: 2 ** 25, maxExampleValues: 2 ** 24, maxBatchValues: 2 ** 27 });
    expect(Object.isFrozen(LEARN_SIZE_LIMITS)).toBe(true);
    // 2¹² × 2¹³ + 2¹³ = 2²⁵ + 2¹³: one over; (2¹² − 1) × 2¹³ + 2¹³ = 2²⁵ exactly would be accepted (not built: 4 s).
    expectDpError(() => dense(2 ** 12, 2 ** 13), 'INVALID_PARAMETER');
    expect(relu(2 ** 24).inputSize).toBe(2 ** 24);
    expectDpError(() => relu(2 ** 24 + 1), 'INVALID_PARAMETER');
  });

  it('generative: every layer kind over random shapes is built with the parameters its shape implies, or refused iff a limit is exceeded', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('dense', 'conv', 'embedding', 'pool', 'groupNorm', 'layerNorm', 'relu', 'tanh', 'loss', 'mlp'),
        fc.array(size, { minLength: 6, maxLength: 6 }),
        (kind, dims) => {
          const [a, b, c, d, e, f] = dims as [number, number, number, number, number, number];
          const [A, B, C] = [BigInt(a), BigInt(b), BigInt(c)];
          const rng = new SeededRandomSource(`shape-${kind}`);
          switch (kind) {
            case 'dense':
              return checkShape(A > E || B > E || A * B + B > P, A > B ? A : B, A * B + B, () => dense(a, b, { rng }));
            case 'conv': {
              // inC = a, h = w = b, outC = c, kernel k = 1 + d mod 9, stride 1 + e mod 3, padding f mod 3
              const k = 1 + (d % 9);
              const s = 1 + (e % 3);
              const p = f % 3;
              const K = A * BigInt(k * k);
              if (b + 2 * p < k)
                return checkShape(true, 0n, 0n, () =>
                  conv2d({ inChannels: a, height: b, width: b, outChannels: c, kernelSize: k, stride: s, padding: p }),
                );
              const o = (B + BigInt(2 * p - k)) / BigInt(s) + 1n;
              const T = o * o;
              const big = [A * B * B, C * T, T * K].reduce((x, y) => (x > y ? x : y));
              const exceeds = A * B * B > E || C * T > E || T * K > E || C * K + C > P;
              return checkShape(exceeds, big, C * K + C, () =>
                conv2d({ inChannels: a, height: b, width: b, outChannels: c, kernelSize: k, stride: s, padding: p, rng }),
              );
            }
            case 'embedding':
              return checkShape(A * B > P || C * B > E, C * B, A * B, () => embedding(a, b, c, { rng }));
            case 'pool': {
              const k = 1 + (d % 3);
              const exceeds = k > b || k > c || A * B * BigInt(c) > E;
              return checkShape(exceeds, A * B * C, 0n, () =>
                (e % 2 ? maxPool2d : avgPool2d)({ channels: a, height: b, width: c, kernelSize: k }),
              );
            }
            case 'groupNorm': {
              const groups = 1 + (d % 3);
              const channels = a * groups;
              const CH = BigInt(channels);
              return checkShape(CH * B > E || 2n * CH > E, CH * B, 2n * CH, () => groupNorm(groups, channels, b));
            }
            case 'layerNorm':
              return checkShape(2n * A > E, 2n * A, 2n * A, () => layerNorm(a));
            case 'relu':
            case 'tanh':
              return checkShape(A > E, A, 0n, () => (kind === 'relu' ? relu(a) : tanh(a)));
            case 'loss': {
              const loss = attempt(() => softmaxCrossEntropy(a + 1));
              expect(loss === undefined).toBe(A + 1n > E);
              return;
            }
            default: {
              const widths = [a, b, c + 1]; // ≥ 2 classes
              const C1 = C + 1n;
              const params = A * B + B + B * C1 + C1;
              const big = [A, B, C1].reduce((x, y) => (x > y ? x : y));
              return checkShape(big > E || params > P, big, params, () => mlp(widths, rng));
            }
          }
        },
      ),
      { numRuns: 400, seed: 12 },
    );
  });
});

/** An identity layer that declares a large per-example buffer (as a big im2col would). */
function wideIdentity(width: number, valuesPerExample: number): Layer {
  return {
    kind: 'wideIdentity',
    inputSize: width,
    outputSize: width,
    valuesPerExample,
    parameters: [],
    forward: (input) => Float64Array.from(input),
    backward: (g) => g,
  };
}

describe('size limits: batches', () => {
  const perExample = LEARN_SIZE_LIMITS.maxExampleValues; // 2²⁴: 8 rows per 2²⁷-value buffer
  const model = () =>
    new Sequential([wideIdentity(3, perExample), dense(3, 2, { rng: new SeededRandomSource('wide') })], softmaxCrossEntropy(2));

  it('predict runs more rows than one buffer allows in chunks, with the same outputs as row by row', () => {
    const m = model();
    expect(m.valuesPerExample).toBe(perExample);
    const batch = makeBatch(1, m, 21);
    const all = m.predict(batch.inputs, batch.size);
    for (let i = 0; i < batch.size; i++) {
      const one = m.predict(batch.inputs.slice(i * 3, i * 3 + 3), 1);
      expect(Array.from(all.subarray(i * 2, i * 2 + 2))).toEqual(Array.from(one));
    }
  });

  it('forwardBackward refuses a batch whose buffers exceed the limit before running; the trainer refuses such a physicalBatchSize at construction', () => {
    const m = model();
    expectDpError(() => m.forwardBackward(makeBatch(2, m, 9)), 'INVALID_PARAMETER');
    expect(m.forwardBackward(makeBatch(2, m, 8)).length).toBe(8);
    const data = makeBatch(3, m, 64);
    const options = {
      model: m,
      optimizer: sgd({ learningRate: 0.1 }),
      data,
      datasetSize: 64,
      expectedBatchSize: 32,
      noiseMultiplier: 1,
      maxGradNorm: 1,
      rng: new SeededRandomSource('t'),
    };
    expectDpError(() => makePrivate({ ...options, physicalBatchSize: 9 }), 'INVALID_PARAMETER');
    expect(makePrivate({ ...options, physicalBatchSize: 8 }).step().step).toBe(1);
  });

  it('without physicalBatchSize the trainer chunks a Poisson sample larger than one buffer instead of refusing (the sample size is private)', () => {
    const m = model();
    const data = makeBatch(4, m, 64);
    const trainer = makePrivate({
      model: m,
      optimizer: sgd({ learningRate: 0.1 }),
      data,
      datasetSize: 64,
      expectedBatchSize: 48,
      noiseMultiplier: 1,
      maxGradNorm: 1,
      rng: new SeededRandomSource('u'),
    });
    for (let i = 0; i < 3; i++) expect(trainer.step().step).toBe(i + 1);
  });
});
