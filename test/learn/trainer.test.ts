import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpEvents, PldAccountant, RdpAccountant } from '../../src/accounting/index.js';
import { relu } from '../../src/learn/activations.js';
import { checkpointOf } from '../../src/learn/checkpoint.js';
import { dense } from '../../src/learn/dense.js';
import { logisticLoss, softmaxCrossEntropy } from '../../src/learn/losses.js';
import { makePrivateWithEpsilon } from '../../src/learn/make-private-with-epsilon.js';
import { effectiveNoiseMultiplier } from '../../src/learn/noise-grid.js';
import { adam, sgd } from '../../src/learn/optimizers.js';
import { poissonSample, samplingRate } from '../../src/learn/poisson-sampler.js';
import { type MakePrivateOptions, makePrivate } from '../../src/learn/private-trainer.js';
import { type Batch, Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { startTrace } from '../../src/testing/trace.js';
import { expectDpError } from './_helpers.js';

/** N points in 2D, label 1 iff x + 2y > 0.3 (linearly separable, public synthetic data). */
function synthetic(n: number, seed: string): Batch {
  const rng = new SeededRandomSource(seed);
  const inputs = new Float64Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = (rng.nextUint32() / 2 ** 32) * 2 - 1;
    const y = (rng.nextUint32() / 2 ** 32) * 2 - 1;
    inputs[2 * i] = x;
    inputs[2 * i + 1] = y;
    labels[i] = x + 2 * y > 0.3 ? 1 : 0;
  }
  return { inputs, labels, size: n };
}

/** makePrivate options with the tests' defaults (SGD lr 0.1, N = data.size, σ = 1, C = 1), overridden by `over`. */
function options(model: Sequential, data: Batch, over: Partial<MakePrivateOptions> = {}): MakePrivateOptions {
  return {
    model,
    optimizer: sgd({ learningRate: 0.1 }),
    data,
    datasetSize: data.size,
    expectedBatchSize: 10,
    noiseMultiplier: 1,
    maxGradNorm: 1,
    ...over,
  };
}

function logistic(seed: string): Sequential {
  return new Sequential([dense(2, 1, { rng: new SeededRandomSource(seed) })], logisticLoss());
}

describe('Poisson sampling', () => {
  it('keeps each example with probability q (10^5 Bernoulli trials, |total − mean| ≤ 5.5 sd, false-failure probability ≤ 1e-6)', () => {
    const rng = new SeededRandomSource('poisson');
    const n = 1000;
    const q = samplingRate(n, 100);
    expect(q).toBe(0.1);
    let total = 0;
    const trials = 100;
    for (let t = 0; t < trials; t++) {
      const s = poissonSample(n, q, rng);
      total += s.length;
      for (let j = 1; j < s.length; j++) expect(s[j]).toBeGreaterThan(s[j - 1] as number);
    }
    const mean = n * trials * q;
    const sd = Math.sqrt(n * trials * q * (1 - q));
    expect(Math.abs(total - mean)).toBeLessThanOrEqual(5.5 * sd); // two-sided normal tail at 5.5 sd ≈ 3.8e-8
  });

  it('q = 1 keeps everything; a tiny q gives legal empty batches; bad rates are refused', () => {
    const rng = new SeededRandomSource('poisson-edges');
    expect(poissonSample(7, 1, rng).length).toBe(7);
    expect(poissonSample(1000, 1e-12, rng).length).toBe(0);
    expectDpError(() => poissonSample(10, 0, rng), 'INVALID_PARAMETER');
    expectDpError(() => samplingRate(10, 11), 'INVALID_PARAMETER');
    expectDpError(() => samplingRate(0, 1), 'INVALID_PARAMETER');
  });
});

describe('makePrivate', () => {
  it('trains a logistic regression: the loss falls and ε(δ) is the PLD accountant’s for the recorded steps (fixed seed)', () => {
    const data = synthetic(400, 'logreg-data');
    const model = logistic('logreg-init');
    const before = model.meanLoss(data);
    const trainer = makePrivate(
      options(model, data, { optimizer: sgd({ learningRate: 1 }), expectedBatchSize: 40, rng: new SeededRandomSource('logreg-run') }),
    );
    expect(trainer.sampleRate).toBe(0.1);
    expect(trainer.notForRelease).toBe(true);
    expect(
      makePrivate(options(logistic('csprng'), data, { optimizer: sgd({ learningRate: 1 }), expectedBatchSize: 40 })).notForRelease,
    ).toBe(false);
    const impostor = { isSeeded: false, nextUint32: () => 4, fill: (o: Uint32Array) => o.fill(4) };
    expect(
      makePrivate(options(logistic('fake'), data, { optimizer: sgd({ learningRate: 1 }), expectedBatchSize: 40, rng: impostor }))
        .notForRelease,
    ).toBe(true);
    for (let e = 0; e < 3; e++) trainer.epoch();
    expect(trainer.steps).toBe(30);
    const after = model.meanLoss(data);
    expect(after).toBeLessThan(before - 0.2);
    // The step is priced at σ_eff = σC/(C + G√d) (the grid rounding widens the sensitivity): 3 parameters, G = 2^-20
    // (σC = 1: 2^(⌈log₂ 1⌉ − 20)), so σ_eff = 1/(1 + 2^-20·√3) ≈ 1 − 1.65·10⁻⁶.
    const sigmaEff = effectiveNoiseMultiplier(1, 1, 3);
    expect(sigmaEff).toBeLessThan(1);
    expect(sigmaEff).toBeGreaterThan(1 - 2e-6);
    expect(sigmaEff).toBeLessThan(1 - 1e-6);
    const step = DpEvents.poissonSampled(0.1, DpEvents.gaussian(sigmaEff));
    expect(trainer.events.every((e) => JSON.stringify(e) === JSON.stringify(step))).toBe(true);
    const want = new PldAccountant().compose(DpEvents.selfComposed(step, 30)).epsilon(1e-5);
    expect(trainer.epsilon(1e-5)).toBe(want);
    const history = trainer.dpEvent();
    expect(history.type === 'composed' && history.events.length).toBe(30);
  });

  it('trains an MLP with per-layer clipping, Adam and RDP accounting (fixed seed)', () => {
    const data = synthetic(300, 'mlp-data');
    const rng = new SeededRandomSource('mlp-init');
    const model = new Sequential([dense(2, 8, { rng }), relu(8), dense(8, 2, { rng })], softmaxCrossEntropy(2));
    const before = model.meanLoss(data);
    const trainer = makePrivate({
      model,
      optimizer: adam({ learningRate: 0.05 }),
      data,
      datasetSize: data.size,
      expectedBatchSize: 50,
      noiseMultiplier: 0.8,
      maxGradNorm: 1,
      clipping: 'perLayer',
      accountant: 'rdp',
      physicalBatchSize: 16,
      rng: new SeededRandomSource('mlp-run'),
    });
    for (let e = 0; e < 4; e++) trainer.epoch();
    expect(model.meanLoss(data)).toBeLessThan(before - 0.2);
    const q = 50 / 300;
    const want = new RdpAccountant()
      .compose(
        DpEvents.selfComposed(
          DpEvents.poissonSampled(q, DpEvents.gaussian(effectiveNoiseMultiplier(0.8, 1, model.parameterCount))),
          trainer.steps,
        ),
      )
      .epsilon(1e-5);
    expect(trainer.epsilon(1e-5)).toBe(want);
  });

  it('physical batches change nothing: one noise draw per logical batch (same seed, chunks of 3 vs all rows)', () => {
    const data = synthetic(60, 'virtual');
    const run = (physicalBatchSize?: number) => {
      const model = logistic('virtual-init');
      const t = makePrivate({
        model,
        optimizer: sgd({ learningRate: 0.3, momentum: 0.5 }),
        data,
        datasetSize: data.size,
        expectedBatchSize: 12,
        noiseMultiplier: 1.2,
        maxGradNorm: 0.5,
        rng: new SeededRandomSource('virtual-run'),
        ...(physicalBatchSize === undefined ? {} : { physicalBatchSize }),
      });
      for (let i = 0; i < 5; i++) t.step();
      return Array.from(model.parameters.flatMap((p) => Array.from(p.value)));
    };
    const whole = run();
    const chunked = run(3);
    expect(chunked.length).toBe(whole.length);
    for (let j = 0; j < whole.length; j++) expect(Math.abs((chunked[j] as number) - (whole[j] as number))).toBeLessThanOrEqual(1e-12);
  });

  it('traces each step’s q, clip norm, σ and clipped contribution norms, and takes empty batches as accounted steps', () => {
    const data = synthetic(50, 'trace');
    const trace = startTrace();
    try {
      const t = makePrivate({
        model: logistic('trace-init'),
        optimizer: sgd({ learningRate: 0.1 }),
        data,
        datasetSize: data.size,
        expectedBatchSize: 10,
        noiseMultiplier: 2,
        maxGradNorm: 0.05,
        rng: new SeededRandomSource('trace-run'),
      });
      for (let i = 0; i < 4; i++) t.step();
      const tiny = makePrivate(
        options(logistic('t2'), data, { expectedBatchSize: 1e-9, noiseMultiplier: 2, rng: new SeededRandomSource('t3') }),
      );
      tiny.step();
      expect(tiny.steps).toBe(1);
      expect(tiny.epsilon(1e-5)).toBeGreaterThanOrEqual(0);
    } finally {
      trace.stop();
    }
    const records = trace.noise.filter((r) => r.primitive === 'dp-sgd-gaussian');
    expect(records.length).toBe(5);
    for (const r of records.slice(0, 4)) {
      expect(r.extra?.sampleRate).toBe(0.2);
      expect(r.extra?.clipNorm).toBe(0.05);
      expect(r.extra?.noiseMultiplier).toBe(2);
      expect(r.scale).toBe(0.1);
      expect(r.sensitivity).toBe(0.05);
      const norms = r.extra?.contributionNorms as Float64Array;
      expect(norms.length).toBe(r.extra?.batchSize);
      for (const x of norms) expect(x).toBeLessThanOrEqual(0.05);
    }
    expect(records[4]?.extra?.batchSize).toBe(0);
  });

  it('refuses bad settings with INVALID_PARAMETER before any step', () => {
    const data = synthetic(20, 'bad');
    const base = {
      model: logistic('bad'),
      optimizer: sgd({ learningRate: 0.1 }),
      data,
      datasetSize: data.size,
      expectedBatchSize: 5,
      noiseMultiplier: 1,
      maxGradNorm: 1,
    };
    expectDpError(() => makePrivate({ ...base, expectedBatchSize: 21 }), 'INVALID_PARAMETER');
    expectDpError(() => makePrivate({ ...base, noiseMultiplier: 0 }), 'INVALID_PARAMETER');
    expectDpError(() => makePrivate({ ...base, maxGradNorm: Number.NaN }), 'INVALID_PARAMETER');
    expectDpError(() => makePrivate({ ...base, physicalBatchSize: 0 }), 'INVALID_PARAMETER');
    expectDpError(() => makePrivate({ ...base, sampling: 'shuffle' as 'poisson' }), 'INVALID_PARAMETER');
    expectDpError(() => makePrivate({ ...base, accountant: 'zcdp' as 'pld' }), 'INVALID_PARAMETER');
    expectDpError(() => makePrivate({ ...base, data: { ...data, size: 19 } }), 'INVALID_PARAMETER');
    for (const n of [0, 1.5, -3, Number.NaN, 2 ** 31, '20' as unknown as number, undefined as unknown as number]) {
      expectDpError(() => makePrivate({ ...base, datasetSize: n }), 'INVALID_PARAMETER');
    }
  });

  it('q, epoch length and checkpoint settings come from the declared N, never from the data: neighbours N and N+1 publish the same (generative)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 60 }), fc.integer({ min: 1, max: 5 }), (n, batchSize) => {
        const run = (size: number) => {
          const trainer = makePrivate(
            options(logistic('nbr'), synthetic(size, 'nbr'), {
              datasetSize: 50,
              expectedBatchSize: batchSize,
              rng: new SeededRandomSource('nbr'),
            }),
          );
          trainer.step();
          return {
            settings: checkpointOf(trainer).settings,
            q: trainer.sampleRate,
            event: trainer.dpStepEvent,
            eps: trainer.epsilon(1e-5),
          };
        };
        expect(run(n + 1)).toEqual(run(n));
        expect(run(n).q).toBe(batchSize / 50);
      }),
      { numRuns: 20 },
    );
  });

  it('an example with an out-of-range or non-finite label is dropped (contribution 0), never a refusal (generative)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 19 }), fc.constantFrom(2, -1, 7, 2 ** 31 - 1), (row, bad) => {
        const data = synthetic(20, 'drop');
        const labels = data.labels.slice();
        labels[row] = bad;
        const trace = startTrace();
        const trainer = makePrivate(
          options(logistic('drop'), { ...data, labels }, { datasetSize: 20, expectedBatchSize: 20, rng: new SeededRandomSource('drop') }),
        );
        try {
          trainer.step();
        } finally {
          trace.stop();
        }
        const norms = trace.noise.filter((r) => r.primitive === 'dp-sgd-gaussian')[0]?.extra?.contributionNorms as Float64Array;
        expect(norms.length).toBe(20); // q = 1: every example sampled
        expect(norms[row]).toBe(0);
        expect(norms.filter((x) => x > 0).length).toBe(19);
      }),
      { numRuns: 10 },
    );
  });
});

describe('makePrivateWithEpsilon', () => {
  it('never overshoots the target: ε after all planned steps ≤ target, and the trainer is capped at those steps (RDP, random settings)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.3, max: 10, noNaN: true }),
        fc.integer({ min: 20, max: 5000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(1e-5, 1e-6),
        (targetEpsilon, size, epochs, targetDelta) => {
          const data: Batch = { inputs: new Float64Array(2 * size), labels: new Int32Array(size), size };
          const trainer = makePrivateWithEpsilon({
            model: logistic('calib'),
            optimizer: sgd({ learningRate: 0.1 }),
            data,
            datasetSize: data.size,
            expectedBatchSize: Math.max(1, Math.floor(size / 10)),
            maxGradNorm: 1,
            targetEpsilon,
            targetDelta,
            epochs,
            accountant: 'rdp',
          });
          const steps = epochs * Math.ceil(1 / trainer.sampleRate);
          expect(trainer.maxSteps).toBe(steps);
          const planned = new RdpAccountant().compose(
            DpEvents.selfComposed(
              DpEvents.poissonSampled(trainer.sampleRate, DpEvents.gaussian(effectiveNoiseMultiplier(trainer.noiseMultiplier, 1, 3))),
              steps,
            ),
          );
          expect(planned.epsilon(targetDelta)).toBeLessThanOrEqual(targetEpsilon);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('meets a PLD target on a run, then refuses the next step with BUDGET_EXHAUSTED (fixed seed)', () => {
    const data = synthetic(40, 'calib-run');
    const trainer = makePrivateWithEpsilon({
      model: logistic('calib-run'),
      optimizer: sgd({ learningRate: 0.5 }),
      data,
      datasetSize: data.size,
      expectedBatchSize: 10,
      maxGradNorm: 1,
      targetEpsilon: 2,
      targetDelta: 1e-5,
      epochs: 2,
      rng: new SeededRandomSource('calib-run'),
    });
    expect(trainer.accountant).toBe('pld');
    trainer.epoch();
    trainer.epoch();
    expect(trainer.steps).toBe(8);
    expect(trainer.epsilon(1e-5)).toBeLessThanOrEqual(2);
    expectDpError(() => trainer.step(), 'BUDGET_EXHAUSTED');
    expect(trainer.steps).toBe(8);
    expectDpError(
      () =>
        makePrivateWithEpsilon({
          ...{
            model: logistic('x'),
            optimizer: sgd({ learningRate: 1 }),
            data,
            datasetSize: data.size,
            expectedBatchSize: 10,
            maxGradNorm: 1,
          },
          targetEpsilon: 0,
          targetDelta: 1e-5,
          epochs: 1,
        }),
      'INVALID_PARAMETER',
    );
  });
});
