/**
 * The trainer checks everything public before it reads anything private, keeps only the checked data
 * snapshot, and leaves no un-noised clipped sum behind (reviewml M5, M6; issue 10 classes 5, 11, 12).
 * Rules (src/learn/private-trainer.ts): (1) `makePrivate` keeps checkBatch's snapshot (arrays and size
 * fixed at construction; the caller's object is never read again) and every step re-checks the
 * snapshot's lengths before sampling (a resizable buffer can shrink under a view); (2) the noise
 * source's public state (open; capacity ≥ the parameter count) is checked at makePrivate and again at
 * the top of step(), and the noise is drawn before anything private is computed; (3) any failure after
 * that zeroes every `grad`. Generative over how the caller's batch is changed and over noise sources.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/index.js';
import { dense } from '../../src/learn/dense.js';
import type { Layer } from '../../src/learn/layer.js';
import { logisticLoss } from '../../src/learn/losses.js';
import type { NoiseSource } from '../../src/learn/noise-source.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof DpError ? e.code : `other: ${String(e)}`;
  }
}

function model(extra: Layer[] = []): Sequential {
  const m = new Sequential([dense(2, 1, { rng: new SeededRandomSource('pc') }), ...extra], logisticLoss());
  for (const p of m.parameters) p.value.fill(0.1);
  return m;
}

function batch(rows: number, seed: number) {
  const rng = new SeededRandomSource(`pc-data-${seed}`);
  return {
    inputs: Float64Array.from({ length: rows * 2 }, () => rng.nextUint32() / 2 ** 31 - 1),
    labels: Int32Array.from({ length: rows }, () => rng.nextUint32() % 2),
    size: rows,
  };
}

function trainer(m: Sequential, data: ReturnType<typeof batch>, extra: Record<string, unknown> = {}) {
  return makePrivate({
    model: m,
    optimizer: sgd({ learningRate: 0.5 }),
    data,
    datasetSize: data.size,
    expectedBatchSize: data.size, // q = 1
    noiseMultiplier: 1,
    maxGradNorm: 1,
    physicalBatchSize: 2,
    rng: new SeededRandomSource('pc-rng'),
    ...extra,
  });
}

const params = (m: Sequential) => m.parameters.flatMap((p) => Array.from(p.value));

describe('the trainer uses only the checked snapshot of its data (reviewml M5)', () => {
  it('however the caller’s Batch object is changed after makePrivate, steps equal those of an untouched copy (generative)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.nat(100),
        fc.constantFrom('grow-size', 'shrink-size', 'new-labels', 'new-inputs', 'all'),
        (rows, seed, change) => {
          const reference = trainer(model(), batch(rows, seed));
          const caller = batch(rows, seed);
          const m = model();
          const t = trainer(m, caller);
          const bigger = batch(rows + 3, seed + 1);
          if (change === 'grow-size' || change === 'all') caller.size = rows + 3;
          if (change === 'shrink-size') caller.size = Math.max(0, rows - 1);
          if (change === 'new-labels' || change === 'all') caller.labels = bigger.labels;
          if (change === 'new-inputs' || change === 'all') caller.inputs = bigger.inputs;
          for (let s = 0; s < 2; s++) {
            reference.step();
            t.step();
          }
          expect(params(m)).toEqual(params(reference.model));
        },
      ),
      { numRuns: 60, seed: 20261206 },
    );
  });

  it('regression: a resizable buffer that shrinks under the data is refused before sampling (INVALID_PARAMETER, nothing changed)', () => {
    // ES2024 resizable buffers (Node ≥ 20); typed here by hand (the project's lib is older).
    const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer & { resize(n: number): void };
    const buffer = new Resizable(4 * 2 * 8, { maxByteLength: 4 * 2 * 8 });
    const inputs = new Float64Array(buffer, 0, 8);
    inputs.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const m = model();
    const t = trainer(m, { inputs, labels: Int32Array.from([0, 1, 0, 1]), size: 4 });
    const before = params(m);
    buffer.resize(8);
    expect(codeOf(() => t.step())).toBe('INVALID_PARAMETER');
    expect(params(m)).toEqual(before);
    expect(t.steps).toBe(0);
  });
});

/** A hand-made noise source (not genuine: the run is notForRelease) with a public capacity and closed flag. */
function source(capacity: number | undefined, closed: boolean, fills: { count: number }): NoiseSource {
  return {
    capacity,
    closed,
    fill(out: Float64Array) {
      fills.count++;
      out.fill(0);
    },
  };
}

describe('the noise source is checked before anything private, and a failed step leaves no clipped sum (reviewml M6)', () => {
  it('makePrivate refuses a closed source or one smaller than the model; a source closed later is refused at step() before sampling (generative)', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
        fc.boolean(),
        fc.boolean(),
        (capacity, closedAtStart, closeLater) => {
          const m = model(); // 3 parameters
          const fills = { count: 0 };
          const noise = source(capacity, closedAtStart, fills);
          const refusedAtStart = closedAtStart || (capacity !== undefined && capacity < 3);
          let t: ReturnType<typeof trainer> | undefined;
          expect(codeOf(() => (t = trainer(m, batch(4, 1), { noise })))).toBe(refusedAtStart ? 'INVALID_PARAMETER' : undefined);
          if (t === undefined) return;
          if (closeLater) (noise as { closed: boolean }).closed = true;
          const before = params(m);
          expect(codeOf(() => t?.step())).toBe(closeLater ? 'INVALID_PARAMETER' : undefined);
          if (closeLater) {
            expect(fills.count).toBe(0);
            expect(params(m)).toEqual(before);
            for (const p of m.parameters) expect(Array.from(p.grad).every((g) => g === 0)).toBe(true);
          }
        },
      ),
      { numRuns: 80, seed: 20261206 },
    );
  });

  it('a failure in the middle of a step (after a chunk’s clipped sum reached grad) zeroes every grad and records no step', () => {
    for (const failAt of [1, 2, 3]) {
      let forwards = 0;
      const tripwire: Layer = {
        kind: 'tripwire',
        inputSize: 1,
        outputSize: 1,
        parameters: [],
        forward(input: Float64Array | Float32Array) {
          forwards++;
          // forward 1 is makePrivate's public one-row pass (public-pass.ts); the step's forwards follow
          if (forwards === failAt + 1) throw new DpError('INTERNAL', 'tripwire');
          return Float64Array.from(input);
        },
        backward(g: Float64Array) {
          return g;
        },
      };
      const m = model([tripwire]);
      const t = trainer(m, batch(6, failAt)); // q = 1, chunks of 2: the failure comes after a chunk was clipped
      expect(codeOf(() => t.step())).toBe('INTERNAL');
      for (const p of m.parameters) expect(Array.from(p.grad).every((g) => g === 0)).toBe(true);
      expect(t.steps).toBe(0);
    }
  });
});
