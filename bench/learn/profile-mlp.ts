/**
 * bench/learn/profile-mlp.ts — where the MLP 784-512-256-10's DP step goes beyond the non-private step
 * (batch 256, σ = 1.1, C = 1, Poisson sampling at q = 256/60 000): CPU ms per step (process CPU time, all
 * threads) of the non-private step, the DP step with the noise worker, the DP step with the noise drawn
 * on this thread, and the bulk Gaussian alone; every layer method is also timed on this thread.
 * Usage: npx tsx bench/learn/profile-mlp.ts [steps, default 60]
 * Figures from the shared 2-core build machine are indicative only.
 */
import type { Layer } from '../../src/learn/layer.js';
import { mlp } from '../../src/learn/models.js';
import { createNoisePool } from '../../src/learn/node/noise-pool.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import type { Batch, Sequential } from '../../src/learn/sequential.js';
import { defaultRandomSource, fillBulkGaussian } from '../../src/random/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const steps = Number(process.argv[2] ?? 60);
const N = 60_000;
const B = 256;
function data(n: number): Batch {
  const rng = new SeededRandomSource('profile-data');
  const inputs = Float64Array.from({ length: n * 784 }, () => rng.nextUint32() / 2 ** 32);
  return { inputs, labels: Int32Array.from({ length: n }, () => rng.nextUint32() % 10), size: n };
}
const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
function timed(fn: () => void): number {
  for (let i = 0; i < 5; i++) fn();
  const c0 = cpuMs();
  for (let i = 0; i < steps; i++) fn();
  return (cpuMs() - c0) / steps;
}
const spent = new Map<string, number>();
function instrument(model: Sequential): void {
  model.layers.forEach((layer: Layer, index) => {
    const methods = layer as unknown as Record<string, unknown>;
    for (const name of ['forward', 'backward', 'perExampleSquaredNorms', 'accumulateScaledGradients']) {
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
}
function report(label: string, ms: number): void {
  console.log(`${label.padEnd(44)} ${ms.toFixed(2)} ms CPU per step`);
  for (const [key, v] of spent) console.log(`  ${key.padEnd(42)} ${(v / (steps + 5)).toFixed(2)}`);
  spent.clear();
}

const make = () => mlp([784, 512, 256, 10], new SeededRandomSource('m'));
const fixed = data(B);
const plainModel = make();
instrument(plainModel);
const opt = sgd({ learningRate: 0.01 });
const ones = new Float64Array(B).fill(1);
report(
  'non-private step',
  timed(() => {
    for (const p of plainModel.parameters) p.grad.fill(0);
    plainModel.forwardBackward(fixed);
    for (const l of plainModel.trainable) l.accumulateScaledGradients(ones);
    for (const p of plainModel.parameters) for (let j = 0; j < p.grad.length; j++) p.grad[j] = (p.grad[j] as number) / B;
    opt.step(plainModel.parameters);
  }),
);
const big = data(N);
const pool = await createNoisePool();
for (const noise of [pool, undefined]) {
  const model = make();
  instrument(model);
  const trainer = makePrivate({
    model,
    optimizer: sgd({ learningRate: 0.01 }),
    data: big,
    datasetSize: N,
    expectedBatchSize: B,
    noiseMultiplier: 1.1,
    maxGradNorm: 1,
    rng: defaultRandomSource(),
    ...(noise ? { noise } : {}),
  });
  report(
    noise ? 'DP step, noise in the worker' : 'DP step, noise on this thread',
    timed(() => trainer.step()),
  );
}
const out = new Float64Array(plainModel.parameterCount);
const rng = defaultRandomSource();
report(
  `bulk Gaussian alone (${out.length} values)`,
  timed(() => fillBulkGaussian(out, 1.1, rng)),
);
await pool.close();
