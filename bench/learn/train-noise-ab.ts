/**
 * bench/learn/train-noise-ab.ts — `tsdp train`'s two noise paths side by side (src/cli/commands/train-noise.ts):
 * the MLP 784-512-256-10 (535 818 parameters), batch 256, `steps` DP steps with the noise drawn on the step's
 * thread (what seeded runs do) and in the worker pool (what unseeded runs do), alternated `rounds` times in one
 * process; both unseeded here so that only the noise path differs. Prints wall and process-CPU seconds per run.
 * Usage: npx tsx bench/learn/train-noise-ab.ts [steps, default 300] [rounds, default 2]
 */
import { loadavg } from 'node:os';
import { withTrainNoise } from '../../src/cli/commands/train-noise.js';
import { mlp } from '../../src/learn/models.js';
import type { NoiseSource } from '../../src/learn/noise-source.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import type { Batch } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const steps = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 2);
const N = 10_000;
const rng = new SeededRandomSource('train-noise-ab');
const data: Batch = {
  inputs: Float64Array.from({ length: N * 784 }, () => rng.nextUint32() / 2 ** 32),
  labels: Int32Array.from({ length: N }, () => rng.nextUint32() % 10),
  size: N,
};

function run(noise: NoiseSource | undefined): { wall: number; cpu: number } {
  const trainer = makePrivate({
    model: mlp([784, 512, 256, 10], new SeededRandomSource('w')),
    optimizer: sgd({ learningRate: 0.05 }),
    data,
    datasetSize: N,
    expectedBatchSize: 256,
    noiseMultiplier: 1.1,
    maxGradNorm: 1,
    ...(noise ? { noise } : {}),
  });
  trainer.step(); // warm-up (compiles, allocates, primes the pool's first draw)
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let s = 0; s < steps; s++) trainer.step();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

console.log(`MLP 784-512-256-10, batch 256, ${steps} DP steps per run; load ${(loadavg()[0] as number).toFixed(1)}`);
for (let r = 0; r < rounds; r++) {
  const thread = run(undefined);
  const pool = await withTrainNoise(false, async (noise) => run(noise.source));
  console.log(
    `round ${r + 1}: thread ${thread.wall.toFixed(2)} s wall (${thread.cpu.toFixed(2)} s CPU)  pool ${pool.wall.toFixed(2)} s wall (${pool.cpu.toFixed(2)} s CPU)  thread÷pool by wall ${(thread.wall / pool.wall).toFixed(2)}×  load ${(loadavg()[0] as number).toFixed(1)}`,
  );
}
