/**
 * bench/learn/profile-cnn.ts — where one DP-SGD step of Opacus's MNIST CNN goes (batch 256, σ = 1.1,
 * C = 1, Poisson sampling at q = 256/60 000, the noise drawn in the worker, as bench/learn/compare.ts):
 * every layer method is wrapped with a timer of this process's CPU time (robust to other load), and
 * the step's wall and CPU time are printed beside the per-method milliseconds per step.
 * Usage: npx tsx bench/learn/profile-cnn.ts [relu|tanh, default relu] [steps, default 40]
 * Figures from the shared 2-core build machine are indicative only.
 */
import type { Layer } from '../../src/learn/layer.js';
import { mnistCnn } from '../../src/learn/models.js';
import { createNoisePool } from '../../src/learn/node/noise-pool.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { defaultRandomSource } from '../../src/random/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const activation = process.argv[2] === 'tanh' ? 'tanh' : 'relu';
const steps = Number(process.argv[3] ?? 40);
const N = 60_000;
const rng = new SeededRandomSource('profile-data');
const data = {
  inputs: Float64Array.from({ length: N * 784 }, () => rng.nextUint32() / 2 ** 32),
  labels: Int32Array.from({ length: N }, () => rng.nextUint32() % 10),
  size: N,
};
const model = mnistCnn(new SeededRandomSource('profile-model'), { activation });

const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const spent = new Map<string, number>();
const METHODS = [
  'forward',
  'forward32',
  'forward32AfterRelu',
  'backward',
  'backward32',
  'perExampleSquaredNorms',
  'accumulateScaledGradients',
] as const;
model.layers.forEach((layer: Layer, index) => {
  const methods = layer as unknown as Record<string, unknown>;
  for (const name of METHODS) {
    const original = methods[name];
    if (typeof original !== 'function') continue;
    const key = `${index}:${layer.kind}.${name}`;
    methods[name] = (...args: unknown[]) => {
      const t = cpuMs();
      const result = original.apply(layer, args);
      spent.set(key, (spent.get(key) ?? 0) + cpuMs() - t);
      return result;
    };
  }
});

const pool = await createNoisePool();
const trainer = makePrivate({
  model,
  optimizer: sgd({ learningRate: 0.01 }),
  data,
  datasetSize: N,
  expectedBatchSize: 256,
  noiseMultiplier: 1.1,
  maxGradNorm: 1,
  rng: defaultRandomSource(),
  noise: pool,
});
for (let i = 0; i < 10; i++) trainer.step(); // warm-up: JIT, wasm tier-up, the worker's first draws
spent.clear();
const t0 = performance.now();
const c0 = cpuMs();
for (let i = 0; i < steps; i++) trainer.step();
const wall = (performance.now() - t0) / steps;
const cpu = (cpuMs() - c0) / steps;
console.log(`${activation} CNN, one DP step of ~256 examples: wall ${wall.toFixed(1)} ms, CPU ${cpu.toFixed(1)} ms (all threads)`);
let layers = 0;
for (const [key, ms] of spent) {
  layers += ms;
  console.log(`${key.padEnd(40)} ${(ms / steps).toFixed(2)} ms CPU`);
}
console.log(`${'layers (this thread)'.padEnd(40)} ${(layers / steps).toFixed(2)} ms CPU`);
await pool.close();
