/**
 * bench/learn/adult-sweep.ts — DP logistic regression on UCI Adult at a target ε (δ = 1e-5, PLD),
 * SGD (momentum 0.9), Poisson sampling, σ from makePrivateWithEpsilon, the iterates of the last
 * `average` fraction of steps averaged (post-processing).
 *
 * Hyperparameters are chosen on the TRAINING split only: by default the grid is trained on four
 * fifths of Adult's training split and scored on the remaining fifth (`loadAdult(path, { tuning: true })`,
 * a per-record SHA-256 rule; the test split is not even read). `--test` instead trains on the whole
 * training split and scores on the test split: run it only for the setting already chosen.
 * Usage: npx tsx bench/learn/adult-sweep.ts [--test] [epsilon=1] [lr,…] [batch,…] [epochs,…] [clip,…] [average,…] [repeats=3]
 *   choose:  npx tsx bench/learn/adult-sweep.ts 1 1,2,4 1024,2048,4096 30,60 1 0.5 3
 *   report:  npx tsx bench/learn/adult-sweep.ts --test 1 4 2048 30 1 0.5 5
 * Prints, per setting, the mean ± sd accuracy (last iterate and tail average) over the repeats.
 */
import { IterateAverage } from '../../src/learn/iterate-average.js';
import { makePrivateWithEpsilon } from '../../src/learn/make-private-with-epsilon.js';
import { logisticRegression } from '../../src/learn/models.js';
import { loadAdult } from '../../src/learn/node/datasets.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import type { Batch, Sequential } from '../../src/learn/sequential.js';

const onTest = process.argv.includes('--test');
const args = process.argv.slice(2).filter((a) => a !== '--test');
const list = (s: string | undefined, d: number[]) => (s === undefined ? d : s.split(',').map(Number));
const epsilon = Number(args[0] ?? 1);
const lrs = list(args[1], [4]);
const batches = list(args[2], [2048]);
const epochsList = list(args[3], [30]);
const clips = list(args[4], [1]);
const averages = list(args[5], [0.5]);
const repeats = Number(args[6] ?? 3);

function accuracy(model: Sequential, test: Batch): number {
  const out = model.predict(test.inputs, test.size);
  let ok = 0;
  for (let i = 0; i < test.size; i++) if (((out[i] as number) > 0 ? 1 : 0) === test.labels[i]) ok++;
  return ok / test.size;
}

const stats = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${(100 * m).toFixed(2)} ± ${(100 * sd).toFixed(2)}%`;
};

const data = loadAdult(undefined, { tuning: !onTest });
console.log(
  `adult (${onTest ? 'whole training split → TEST split' : 'training split less a held-out fifth → held-out fifth'}): ${data.train.size} train, ${data.test.size} scored, ${data.features} features; ε = ${epsilon}, δ = 1e-5, PLD`,
);
for (const batch of batches)
  for (const epochs of epochsList) {
    let sigma: number | undefined;
    for (const lr of lrs)
      for (const clip of clips)
        for (const average of averages) {
          const last: number[] = [];
          const avg: number[] = [];
          for (let r = 0; r < repeats; r++) {
            const model = logisticRegression(data.features);
            const common = {
              model,
              optimizer: sgd({ learningRate: lr, momentum: 0.9 }),
              data: data.train,
              datasetSize: data.train.size,
              expectedBatchSize: batch,
              maxGradNorm: clip,
            };
            const stepsPerEpoch = Math.ceil(data.train.size / batch);
            // σ depends on (N, q, steps, ε, δ) only: calibrated once per (batch, epochs).
            const trainer =
              sigma === undefined
                ? makePrivateWithEpsilon({ ...common, targetEpsilon: epsilon, targetDelta: 1e-5, epochs })
                : makePrivate({ ...common, noiseMultiplier: sigma, maxSteps: epochs * stepsPerEpoch });
            sigma = trainer.noiseMultiplier;
            const steps = epochs * Math.ceil(1 / trainer.sampleRate);
            const averaged = new IterateAverage(model);
            for (let s = 1; s <= steps; s++) {
              trainer.step();
              if (s > steps - Math.floor(average * steps)) averaged.add();
            }
            if (!(trainer.epsilon(1e-5) <= epsilon)) throw new Error(`spent ε ${trainer.epsilon(1e-5)} > ${epsilon}`);
            last.push(accuracy(model, data.test));
            averaged.apply();
            avg.push(accuracy(model, data.test));
          }
          console.log(
            `batch ${batch}  epochs ${epochs}  lr ${lr}  C ${clip}  average ${average}  σ ${(sigma as number).toFixed(3)}:  last ${stats(last)}  averaged ${stats(avg)}  (${avg.map((a) => (100 * a).toFixed(2)).join(', ')})`,
          );
        }
  }
