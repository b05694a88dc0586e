/**
 * A few DP-SGD steps run both in Node and, bundled by esbuild, in Chromium
 * (test/learn/browser.test.ts): the clipped sums and the trained weights must agree.
 */
import {
  accumulateClippedGradients,
  conv2d,
  dense,
  kernelBackend,
  makePrivate,
  maxPool2d,
  relu,
  Sequential,
  sgd,
  softmaxCrossEntropy,
} from '../../src/learn/index.js';
import { relaxedSimdInUse, useRelaxedSimd } from '../../src/learn/wasm/wasm-kernels.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

function model(): Sequential {
  const rng = new SeededRandomSource('browser-model');
  const c = conv2d({ inChannels: 1, height: 8, width: 8, outChannels: 4, kernelSize: 3, stride: 1, padding: 1, rng });
  const p = maxPool2d({ channels: 4, height: 8, width: 8, kernelSize: 2 });
  // conv → ReLU → max pool → conv: a segment of Sequential's binary32 path (src/learn/binary32-path.ts) in both places.
  const c2 = conv2d({ inChannels: 4, height: 4, width: 4, outChannels: 4, kernelSize: 3, stride: 1, padding: 1, rng, name: 'conv2' });
  return new Sequential(
    [c, relu(c.outputSize), p, c2, relu(c2.outputSize), dense(c2.outputSize, 16, { rng }), relu(16), dense(16, 3, { rng })],
    softmaxCrossEntropy(3),
  );
}

interface Outcome {
  backend: string;
  relaxed: boolean;
  clipped: number[];
  weights: number[];
  epsilon: number;
  steps: number;
}

/**
 * Runs the workload on the default kernels, or with relaxed = true on the relaxed-SIMD kernels where the
 * platform has them (then back to the default); returns plain numbers.
 */
export function workload(relaxed = false): Outcome {
  useRelaxedSimd(relaxed);
  try {
    return run();
  } finally {
    useRelaxedSimd(false);
  }
}

function run(): Outcome {
  const rng = new SeededRandomSource('browser-data');
  const n = 24;
  const inputs = Float64Array.from({ length: n * 64 }, () => (rng.nextUint32() / 2 ** 32) * 2 - 1);
  const labels = Int32Array.from({ length: n }, () => rng.nextUint32() % 3);
  const data = { inputs, labels, size: n };
  const m = model();
  for (const p of m.parameters) p.grad.fill(0);
  m.forwardBackward({ inputs: inputs.slice(0, 8 * 64), labels: labels.slice(0, 8), size: 8 });
  accumulateClippedGradients(m, 8, 0.5, 'flat');
  const clipped = m.parameters.flatMap((p) => Array.from(p.grad));
  const trained = model();
  const trainer = makePrivate({
    model: trained,
    optimizer: sgd({ learningRate: 0.2, momentum: 0.9 }),
    data,
    datasetSize: n,
    expectedBatchSize: 8,
    noiseMultiplier: 1,
    maxGradNorm: 0.5,
    clipping: 'perLayer',
    physicalBatchSize: 5,
    rng: new SeededRandomSource('browser-run'),
  });
  for (let i = 0; i < 4; i++) trainer.step();
  return {
    backend: kernelBackend(),
    relaxed: relaxedSimdInUse(),
    clipped,
    weights: trained.parameters.flatMap((p) => Array.from(p.value)),
    epsilon: trainer.epsilon(1e-5),
    steps: trainer.steps,
  };
}
