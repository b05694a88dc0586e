import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dense } from '../../src/learn/dense.js';
import { logisticLoss } from '../../src/learn/losses.js';
import { createNoisePool, type NoisePool } from '../../src/learn/node/noise-pool.js';
import { isGenuineNoiseSource } from '../../src/learn/noise-source.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { type Batch, Sequential } from '../../src/learn/sequential.js';
import { fillBulkGaussian } from '../../src/random/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { expectDpError } from './_helpers.js';

let seeded: NoisePool;
let secure: NoisePool;

beforeAll(async () => {
  seeded = await createNoisePool({ capacity: 4096, seed: 'pool-seed' });
  secure = await createNoisePool({ capacity: 4096 });
}, 60_000);

afterAll(async () => {
  await seeded.close();
  await secure.close();
});

function reference(draws: [number, number][]): Float64Array[] {
  const rng = new SeededRandomSource('pool-seed');
  return draws.map(([length, scale]) => {
    const out = new Float64Array(length);
    fillBulkGaussian(out, scale, rng);
    return out;
  });
}

describe('noise drawn one step ahead in a worker thread', () => {
  it('is the same sampler: a seeded pool returns exactly the synchronous bulk Gaussian sequence, and a change of shape discards the prefetched draw', () => {
    const a = new Float64Array(1000);
    const b = new Float64Array(1000);
    const c = new Float64Array(333);
    seeded.fill(a, 1.5);
    seeded.fill(b, 1.5);
    seeded.fill(c, 0.25); // the prefetched 1000-value draw at 1.5 is discarded, never used
    const [r1, r2, , r4] = reference([
      [1000, 1.5],
      [1000, 1.5],
      [1000, 1.5],
      [333, 0.25],
    ]);
    expect(Array.from(a)).toEqual(Array.from(r1 as Float64Array));
    expect(Array.from(b)).toEqual(Array.from(r2 as Float64Array));
    expect(Array.from(c)).toEqual(Array.from(r4 as Float64Array));
  });

  it('the CSPRNG pool is genuine, gives fresh draws, and a trainer with it is for release; seeded or hand-made sources are not', () => {
    const x = new Float64Array(500);
    const y = new Float64Array(500);
    secure.fill(x, 1);
    secure.fill(y, 1);
    expect(Array.from(x)).not.toEqual(Array.from(y));
    expect(isGenuineNoiseSource(secure)).toBe(true);
    expect(isGenuineNoiseSource(seeded)).toBe(false);
    // A registered pool is frozen: its fill cannot be swapped for a constant.
    expect(Object.isFrozen(secure)).toBe(true);
    expect(() => {
      (secure as unknown as { fill: unknown }).fill = () => undefined;
    }).toThrow(TypeError);
    const data: Batch = {
      inputs: new Float64Array(40).map((_, i) => Math.sin(i)),
      labels: Int32Array.from({ length: 20 }, (_, i) => i % 2),
      size: 20,
    };
    const make = (noise: Parameters<typeof makePrivate>[0]['noise']) =>
      makePrivate({
        model: new Sequential([dense(2, 1, { rng: new SeededRandomSource('m') })], logisticLoss()),
        optimizer: sgd({ learningRate: 0.1 }),
        data,
        datasetSize: 20,
        expectedBatchSize: 5,
        noiseMultiplier: 1,
        maxGradNorm: 1,
        noise,
      });
    const good = make(secure);
    expect(good.notForRelease).toBe(false);
    for (let i = 0; i < 3; i++) good.step();
    expect(good.steps).toBe(3);
    expect(make(seeded).notForRelease).toBe(true);
    const impostor = Object.create(Object.getPrototypeOf(secure)) as NoisePool;
    // An impostor's capacity/closed getters throw (no private state): its public state cannot be read, so it is refused (reviewml M6).
    expectDpError(() => make(impostor), 'INVALID_PARAMETER');
    expect(make({ fill: (o: Float64Array) => o.fill(0) }).notForRelease).toBe(true);
    expectDpError(() => make({} as NoisePool), 'INVALID_PARAMETER');
  });

  it('refuses a bad capacity, a draw above capacity and a bad scale with INVALID_PARAMETER', async () => {
    await expect(createNoisePool({ capacity: 0 })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
    expectDpError(() => secure.fill(new Float64Array(5000), 1), 'INVALID_PARAMETER');
    expectDpError(() => secure.fill(new Float64Array(5), Number.NaN), 'INVALID_PARAMETER');
  });
});
