/**
 * bench/learn/mnist-sweep.ts — choosing `tsdp train --data mnist`'s defaults on training data only:
 * DP-SGD on the MNIST-10k training split minus a held-out fifth (every fifth training row, a fixed
 * public rule), scored on that held-out fifth — never on the test split. δ = 1e-5, PLD accountant,
 * Poisson sampling, σ from makePrivateWithEpsilon for the run's own N, q and epochs.
 * Usage: npx tsx bench/learn/mnist-sweep.ts <epsilon> <epochs> <lr> <batch> <clip> <momentum> <relu|tanh> [seed=1] [--test]
 *   --test scores the chosen setting on the test split instead (trained on the whole training split).
 * Prints the held-out accuracy every 5 epochs and a final JSON line.
 */
import { makePrivateWithEpsilon } from '../../src/learn/make-private-with-epsilon.js';
import { mnistCnn } from '../../src/learn/models.js';
import { loadMnist } from '../../src/learn/node/datasets.js';
import { sgd } from '../../src/learn/optimizers.js';
import type { Batch, Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const args = process.argv.slice(2).filter((a) => a !== '--test');
const onTest = process.argv.includes('--test');
const [epsilon, epochs, lr, batch, clip, momentum] = args.slice(0, 6).map(Number) as [number, number, number, number, number, number];
const activation = (args[6] ?? 'relu') as 'relu' | 'tanh';
const seed = Number(args[7] ?? 1);

function rows(b: Batch, keep: (i: number) => boolean, w: number): Batch {
  const idx = [...Array(b.size).keys()].filter(keep);
  const inputs = new Float64Array(idx.length * w);
  idx.forEach((i, r) => {
    inputs.set(b.inputs.subarray(i * w, (i + 1) * w), r * w);
  });
  return { inputs, labels: Int32Array.from(idx, (i) => b.labels[i] as number), size: idx.length };
}

function accuracy(model: Sequential, t: Batch): number {
  let ok = 0;
  for (let s = 0; s < t.size; s += 500) {
    const n = Math.min(500, t.size - s);
    const out = model.predict(t.inputs.subarray(s * 784, (s + n) * 784), n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < 10; j++) if ((out[i * 10 + j] as number) > (out[i * 10 + best] as number)) best = j;
      if (best === t.labels[s + i]) ok++;
    }
  }
  return ok / t.size;
}

const d = loadMnist();
const train = onTest ? d.train : rows(d.train, (i) => i % 5 !== 2, 784);
const heldOut = onTest ? d.test : rows(d.train, (i) => i % 5 === 2, 784);
const model = mnistCnn(new SeededRandomSource(seed), { activation });
const trainer = makePrivateWithEpsilon({
  model,
  optimizer: sgd({ learningRate: lr, momentum }),
  data: train,
  datasetSize: train.size,
  expectedBatchSize: batch,
  maxGradNorm: clip,
  targetEpsilon: epsilon,
  targetDelta: 1e-5,
  epochs,
  rng: new SeededRandomSource(seed + 1000),
});
const tag = `${onTest ? 'test' : 'held-out'} ε${epsilon} E${epochs} lr${lr} B${batch} C${clip} m${momentum} ${activation} σ${trainer.noiseMultiplier.toFixed(3)}`;
const t0 = Date.now();
let acc = 0;
for (let e = 1; e <= epochs; e++) {
  trainer.epoch();
  if (e % 5 === 0 || e === epochs) {
    acc = accuracy(model, heldOut);
    console.log(`${tag} epoch ${e}: ${(100 * acc).toFixed(2)}%  ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}
console.log(
  JSON.stringify({ onTest, epsilon, epochs, lr, batch, clip, momentum, activation, seed, sigma: trainer.noiseMultiplier, accuracy: acc }),
);
