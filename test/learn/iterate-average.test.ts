/**
 * Tail averaging (iterate-average.ts) and the Adult pieces chosen with it: the tuning split of
 * `loadAdult` (a held-out fifth of the training split, decided per record; the test split never
 * returned) and the quarter-decade one-hot bins of capital gain and loss (a fixed rule: exactly one
 * bin per amount, the bin of ⌊4·log10 v⌋ clamped to the public range).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IterateAverage } from '../../src/learn/iterate-average.js';
import { logisticRegression } from '../../src/learn/models.js';
import { loadAdult } from '../../src/learn/node/datasets.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { expectDpError, makeNetwork } from './_helpers.js';

describe('IterateAverage: the mean of the added iterates, written back', () => {
  it('generative: after any sequence of parameter vectors, apply() writes their coordinate-wise mean', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 6 }), (seed, k) => {
        const model = makeNetwork(seed, [3, 4, 2], 'tanh');
        const avg = new IterateAverage(model);
        const rng = new SeededRandomSource(`it-${seed}`);
        const seen: number[][] = [];
        for (let t = 0; t < k; t++) {
          const flat: number[] = [];
          for (const p of model.parameters)
            for (let j = 0; j < p.value.length; j++) {
              p.value[j] = rng.nextUint32() / 2 ** 32 - 0.5;
              flat.push(p.value[j] as number);
            }
          seen.push(flat);
          avg.add();
        }
        expect(avg.apply()).toBe(k);
        const got = model.parameters.flatMap((p) => Array.from(p.value));
        got.forEach((g, i) => {
          const mean = seen.reduce((s, v) => s + (v[i] as number), 0) / k;
          expect(Math.abs(g - mean)).toBeLessThanOrEqual(1e-15);
        });
      }),
      { numRuns: 50 },
    );
  });

  it('with nothing added the model is left unchanged; a non-model is a typed error', () => {
    const model = logisticRegression(4, new SeededRandomSource('avg-empty'));
    const before = model.parameters.flatMap((p) => Array.from(p.value));
    expect(new IterateAverage(model).apply()).toBe(0);
    expect(model.parameters.flatMap((p) => Array.from(p.value))).toEqual(before);
    expectDpError(() => new IterateAverage({} as never), 'INVALID_PARAMETER');
  });
});

describe('loadAdult: tuning split and amount bins', () => {
  it('tuning: the held-out fifth and the rest partition the training split; no test record is returned', () => {
    const full = loadAdult();
    const tune = loadAdult(undefined, { tuning: true });
    expect(tune.train.size + tune.test.size).toBe(full.train.size);
    expect(tune.test.size / full.train.size).toBeGreaterThan(0.17);
    expect(tune.test.size / full.train.size).toBeLessThan(0.23);
    const key = (x: Float64Array, y: number) => `${Array.from(x).join(',')}|${y}`;
    const w = full.features;
    const count = (m: Map<string, number>, k: string, d: number) => m.set(k, (m.get(k) ?? 0) + d);
    const bag = new Map<string, number>();
    for (let i = 0; i < full.train.size; i++)
      count(bag, key(full.train.inputs.subarray(i * w, (i + 1) * w), full.train.labels[i] as number), 1);
    for (const b of [tune.train, tune.test])
      for (let i = 0; i < b.size; i++) count(bag, key(b.inputs.subarray(i * w, (i + 1) * w), b.labels[i] as number), -1);
    expect([...bag.values()].every((v) => v === 0)).toBe(true);
  });

  it('generative: capital gain and loss set exactly one quarter-decade bin, the one of ⌊4·log10 v⌋ clamped to [100, bound]', () => {
    const header = (readFileSync('/work/shared/data/adult.csv', 'utf8').split('\n')[0] as string).split(',');
    const dir = mkdtempSync(join(tmpdir(), 'adult-bins-'));
    let n = 0;
    // Independent oracle: 0 → bin 0, [1, 100) → bin 1, then one bin per quarter decade up to the bound's.
    const oracle = (v: number, topK: number) => (v < 1 ? 0 : v < 100 ? 1 : 2 + Math.min(Math.floor(4 * Math.log10(v)) - 8, topK - 8));
    const gainBinCount = 2 + (20 - 8) + 1; // bound 100 000 = 10^(20/4)
    const lossBinCount = 2 + (14 - 8) + 1; // bound 5 000 < 10^(15/4)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 9000 }), (gain, loss) => {
        const values: Record<string, string> = {
          age: '40',
          workclass: 'Private',
          fnlwgt: '1',
          education: 'HS-grad',
          education_num: '9',
          marital_status: 'Divorced',
          occupation: 'Sales',
          relationship: 'Unmarried',
          race: 'White',
          sex: 'Male',
          capital_gain: String(gain),
          capital_loss: String(loss),
          hours_per_week: '40',
          native_country: 'United-States',
          income: '<=50K',
        };
        const line = header.map((h) => values[h] ?? '').join(',');
        const path = join(dir, `a-${n++}.csv`);
        writeFileSync(path, `${header.join(',')}\n${line}\n`);
        const d = loadAdult(path);
        const b = d.train.size === 1 ? d.train : d.test;
        const row = Array.from(b.inputs.subarray(0, d.features));
        const lossBins = row.slice(-lossBinCount);
        const gainBins = row.slice(-(lossBinCount + gainBinCount), -lossBinCount);
        expect(gainBins.reduce((s, x) => s + x, 0)).toBe(1);
        expect(lossBins.reduce((s, x) => s + x, 0)).toBe(1);
        expect(gainBins.indexOf(1)).toBe(oracle(gain, 20));
        expect(lossBins.indexOf(1)).toBe(oracle(loss, 14));
      }),
      { numRuns: 40 },
    );
  });
});
