/**
 * bench/learn/mlp.ts — examples/s of tsdp/learn on the MLP 784-512-256-10, batch 256:
 * non-private steps (per-batch gradient, no clipping, no noise) and DP-SGD steps
 * (ghost-norm clipping + bulk Gaussian noise), with the wasm SIMD kernels and the
 * reference kernels. Usage: npx tsx bench/learn/mlp.ts [seconds per case, default 5]
 * Figures depend on the machine; on the shared 2-core build machine they are indicative.
 */

import { setKernelBackend } from '../../src/learn/backend.js';
import { dense, relu, Sequential, sgd, softmaxCrossEntropy } from '../../src/learn/index.js';
import { createNoisePool } from '../../src/learn/node/noise-pool.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { defaultRandomSource } from '../../src/random/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const seconds = Number(process.argv[2] ?? 5);
const batch = 256;

function model(): Sequential {
  const rng = new SeededRandomSource('bench-mlp');
  return new Sequential(
    [dense(784, 512, { rng }), relu(512), dense(512, 256, { rng }), relu(256), dense(256, 10, { rng })],
    softmaxCrossEntropy(10),
  );
}

function data(n: number) {
  const rng = new SeededRandomSource('bench-data');
  const inputs = new Float64Array(n * 784);
  for (let i = 0; i < inputs.length; i++) inputs[i] = rng.nextUint32() / 2 ** 32;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.nextUint32() % 10;
  return { inputs, labels, size: n };
}

function timeIt(label: string, fn: () => number): number {
  fn();
  const t0 = performance.now();
  let examples = 0;
  let steps = 0;
  while (performance.now() - t0 < seconds * 1000) {
    examples += fn();
    steps++;
  }
  const dt = (performance.now() - t0) / 1000;
  const rate = examples / dt;
  console.log(`${label.padEnd(40)} ${rate.toFixed(0).padStart(7)} examples/s  (${((dt / steps) * 1000).toFixed(1)} ms/step)`);
  return rate;
}

const backends = (process.env.TSDP_BENCH_BACKENDS ?? 'wasm,reference').split(',') as ('wasm' | 'reference')[];
const pool = await createNoisePool();
export const results: Record<string, number> = {};
for (const backend of backends) {
  setKernelBackend(backend);
  const m = model();
  const d = data(batch);
  const ones = new Float64Array(batch).fill(1);
  const opt = sgd({ learningRate: 0.01 });
  const plain = timeIt(`${backend}: non-private step`, () => {
    for (const p of m.parameters) p.grad.fill(0);
    m.forwardBackward(d);
    for (const l of m.trainable) l.accumulateScaledGradients(ones);
    for (const p of m.parameters) for (let j = 0; j < p.grad.length; j++) p.grad[j] = (p.grad[j] as number) / batch;
    opt.step(m.parameters);
    return batch;
  });
  // DP: N = 60 000 examples held, q = 256/N, the platform CSPRNG.
  const big = data(60_000);
  const trainer = makePrivate({
    model: model(),
    optimizer: sgd({ learningRate: 0.01 }),
    data: big,
    datasetSize: big.size,
    expectedBatchSize: batch,
    noiseMultiplier: 1.1,
    maxGradNorm: 1,
    rng: defaultRandomSource(),
  });
  // examples/s counts the expected batch (q·N = 256) per step, as Opacus's figures do.
  const dp = timeIt(`${backend}: DP-SGD step (ghost clipping)`, () => {
    trainer.step();
    return batch;
  });
  const pooled = makePrivate({
    model: model(),
    optimizer: sgd({ learningRate: 0.01 }),
    data: big,
    datasetSize: big.size,
    expectedBatchSize: batch,
    noiseMultiplier: 1.1,
    maxGradNorm: 1,
    rng: defaultRandomSource(),
    noise: pool,
  });
  const dpPool = timeIt(`${backend}: DP-SGD step, noise in a worker`, () => {
    pooled.step();
    return batch;
  });
  console.log(
    `${backend}: DP/non-private throughput ratio ${(dp / plain).toFixed(2)} (noise inline), ${(dpPool / plain).toFixed(2)} (noise worker)`,
  );
  results[`${backend}.plain`] = plain;
  results[`${backend}.dp`] = dp;
  results[`${backend}.dpPool`] = dpPool;
}
await pool.close();
