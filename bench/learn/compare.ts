/**
 * bench/learn/compare.ts — tsdp/learn and Opacus 1.4 side by side, in one run: examples/s of the
 * MLP 784-512-256-10 and of Opacus's MNIST CNN, batch 256, one thread each side, without DP and
 * with DP (σ = 1.1, C = 1; tsdp: Poisson sampling at q = 256/N with the noise drawn in a worker,
 * Opacus: fixed batches), and the ratios.
 * Usage: npx tsx bench/learn/compare.ts [seconds per case, default 5]
 * Opacus: apt-get install -y python3-torch python3-numpy libopenblas0-pthread; pytorch/opacus v1.4.0
 * and dgasmith/opt_einsum v3.3.0 unpacked under /tmp/learn-peers/ (TOOLCHAIN.md); override with
 * TSDP_OPACUS_PATH. Figures from the shared 2-core build machine are indicative only.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { mlp, mnistCnn } from '../../src/learn/models.js';
import { createNoisePool } from '../../src/learn/node/noise-pool.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import type { Batch, Sequential } from '../../src/learn/sequential.js';
import { defaultRandomSource } from '../../src/random/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const seconds = Number(process.argv[2] ?? 5);
const B = 256;

function data(n: number): Batch {
  const rng = new SeededRandomSource('compare-data');
  const inputs = Float64Array.from({ length: n * 784 }, () => rng.nextUint32() / 2 ** 32);
  return { inputs, labels: Int32Array.from({ length: n }, () => rng.nextUint32() % 10), size: n };
}

function rate(fn: () => void): number {
  fn();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) {
    fn();
    n++;
  }
  return (n * B) / ((performance.now() - t0) / 1000);
}

function plainStep(model: Sequential, batch: Batch): () => void {
  const opt = sgd({ learningRate: 0.01 });
  const ones = new Float64Array(batch.size).fill(1);
  return () => {
    for (const p of model.parameters) p.grad.fill(0);
    model.forwardBackward(batch);
    for (const l of model.trainable) l.accumulateScaledGradients(ones);
    for (const p of model.parameters) for (let j = 0; j < p.grad.length; j++) p.grad[j] = (p.grad[j] as number) / batch.size;
    opt.step(model.parameters);
  };
}

const pool = await createNoisePool();
const big = data(60_000);
const ours: Record<string, number> = {};
for (const [name, make] of [
  ['mlp', () => mlp([784, 512, 256, 10], new SeededRandomSource('m'))],
  ['cnn', () => mnistCnn(new SeededRandomSource('c'))],
] as const) {
  ours[`${name}_plain`] = rate(plainStep(make(), data(B)));
  const trainer = makePrivate({
    model: make(),
    optimizer: sgd({ learningRate: 0.01 }),
    data: big,
    datasetSize: big.size,
    expectedBatchSize: B,
    noiseMultiplier: 1.1,
    maxGradNorm: 1,
    rng: defaultRandomSource(),
    noise: pool,
  });
  ours[`${name}_dp`] = rate(() => trainer.step());
}
await pool.close();
let peer: Record<string, number> | null = null;
try {
  const path = process.env.TSDP_OPACUS_PATH ?? '/tmp/learn-peers/opacus-1.4.0:/tmp/learn-peers/opt_einsum-3.3.0';
  const out = execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'opacus_peer.py'), String(seconds)], {
    env: { ...process.env, PYTHONPATH: path, OMP_NUM_THREADS: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  peer = JSON.parse(out.trim().split('\n').pop() ?? 'null');
} catch (e) {
  console.error(`Opacus peer not run: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
}
console.log('examples/s, batch 256, one thread (shared 2-core machine: indicative)');
console.log('case         tsdp/learn    Opacus 1.4    tsdp/Opacus');
for (const k of ['mlp_plain', 'mlp_dp', 'cnn_plain', 'cnn_dp']) {
  const a = ours[k] as number;
  const b = peer?.[k];
  console.log(
    `${k.padEnd(12)} ${a.toFixed(0).padStart(10)}    ${b === undefined ? '—'.padStart(10) : b.toFixed(0).padStart(10)}    ${b === undefined ? '—' : (a / b).toFixed(2)}`,
  );
}
console.log(
  `tsdp DP/non-private: MLP ${((ours.mlp_dp as number) / (ours.mlp_plain as number)).toFixed(2)}, CNN ${((ours.cnn_dp as number) / (ours.cnn_plain as number)).toFixed(2)}`,
);
