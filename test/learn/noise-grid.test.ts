import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dense } from '../../src/learn/dense.js';
import { logisticLoss } from '../../src/learn/losses.js';
import { effectiveNoiseMultiplier, noiseGrid, roundToGrid } from '../../src/learn/noise-grid.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { type Batch, Sequential } from '../../src/learn/sequential.js';
import { fillBulkGaussian } from '../../src/random/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { expectDpError } from './_helpers.js';

const scale = fc.double({ min: 1e-200, max: 1e200, noNaN: true });

describe('the noisy sum is on the noise grid (review finding dpsgd-gradient-low-bits)', () => {
  it('every bulk Gaussian value is a multiple of noiseGrid(σC) (random scales)', () => {
    fc.assert(
      fc.property(scale, fc.nat(), (s, seed) => {
        const out = new Float64Array(64);
        fillBulkGaussian(out, s, new SeededRandomSource(seed));
        const g = noiseGrid(s);
        for (const x of out) expect(Number.isInteger(x / g)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('roundToGrid gives a multiple of G within G/2 (random values and grids, incl. huge and tiny)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), scale, (x, s) => {
        const g = noiseGrid(s);
        const r = roundToGrid(x, g);
        expect(Number.isInteger(r / g) || Math.abs(r / g) === Number.POSITIVE_INFINITY).toBe(true);
        expect(Math.abs(r - x)).toBeLessThanOrEqual(g / 2);
      }),
      { numRuns: 500 },
    );
  });

  it('roundToGrid is exact at the rounding switch-overs: ties and quotients near 2⁵¹ and 2⁵² (generative)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 2 ** 51, 2 ** 52, 2 ** 50, 3),
        fc.integer({ min: -8, max: 8 }),
        fc.constantFrom(0, 0.5, 0.25, 0.75),
        fc.boolean(),
        scale,
        (base, step, fraction, negative, s) => {
          const g = noiseGrid(s);
          const t = (negative ? -1 : 1) * (base + step + fraction);
          const x = t * g;
          fc.pre(Number.isFinite(x) && x / g === t); // representable on this grid
          const r = roundToGrid(x, g);
          expect(Number.isInteger(r / g)).toBe(true);
          expect(Math.abs(r - x)).toBeLessThanOrEqual(g / 2);
        },
      ),
      { numRuns: 500, seed: 20261206 },
    );
  });

  it('σ_eff = σC/(C + G√d) is ≤ σ and ≥ that value minus 2⁻⁴⁹ relative (random settings)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (sigma, c, d) => {
          const eff = effectiveNoiseMultiplier(sigma, c, d);
          expect(eff).toBeLessThanOrEqual(sigma);
          const exact = (sigma * c) / (c + noiseGrid(sigma * c) * Math.sqrt(d));
          expect(eff).toBeLessThanOrEqual(exact);
          expect(eff).toBeGreaterThanOrEqual(exact * (1 - 2 ** -49));
        },
      ),
    );
    expectDpError(() => noiseGrid(0), 'INVALID_PARAMETER');
    expectDpError(() => effectiveNoiseMultiplier(1, 1, -1), 'INVALID_PARAMETER');
  });

  function released(last: readonly [number, number], seed: number): number[] {
    const inputs = Float64Array.from([0.3, 0.7, -0.45, 0.1, 0.9, -0.2, last[0], last[1]]);
    const data: Batch = { inputs, labels: Int32Array.from([1, 0, 1, 0]), size: 4 };
    const model = new Sequential([dense(2, 1, { rng: new SeededRandomSource('init'), name: 'd' })], logisticLoss());
    for (const p of model.parameters) p.value.fill(0);
    const trainer = makePrivate({
      model,
      optimizer: sgd({ learningRate: 1 }),
      data,
      datasetSize: 4,
      expectedBatchSize: 4,
      noiseMultiplier: 1,
      maxGradNorm: 1,
      rng: new SeededRandomSource(`step-${seed}`),
    });
    trainer.step();
    return model.parameters.flatMap((p) => Array.from(p.value, (w) => (-w * 4) / 2 ** -40));
  }

  it('regression: after one step (q = 1, SGD lr 1 from 0) every released coordinate is on the grid, for neighbours alike', () => {
    for (let seed = 0; seed < 6; seed++) {
      for (const coordinate of [...released([0.123456789, 0.987654321], seed), ...released([0.31415926, -0.27182818], seed)]) {
        expect(Number.isInteger(coordinate)).toBe(true);
      }
    }
  });

  it('generative: random data and settings, the noisy gradient sum is a multiple of G in every coordinate', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.nat(),
        (xs, sigma, c, seed) => {
          const data: Batch = { inputs: Float64Array.from(xs), labels: Int32Array.from([1, 0, 1, 1]), size: 4 };
          const model = new Sequential([dense(2, 1, { rng: new SeededRandomSource('g'), name: 'd' })], logisticLoss());
          for (const p of model.parameters) p.value.fill(0);
          const trainer = makePrivate({
            model,
            optimizer: sgd({ learningRate: 1 }),
            data,
            datasetSize: 4,
            expectedBatchSize: 4, // a power of two: w·4 undoes the division exactly
            noiseMultiplier: sigma,
            maxGradNorm: c,
            rng: new SeededRandomSource(seed),
          });
          trainer.step();
          const g = noiseGrid(sigma * c);
          for (const p of model.parameters) for (const w of p.value) expect(Number.isInteger((-w * 4) / g)).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });
});
