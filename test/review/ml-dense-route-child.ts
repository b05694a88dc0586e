/**
 * Child of ml-dense-binary32-route.test.ts (review ML M18), run as
 *   node --wasm-max-mem-pages=<pages> --import tsx test/review/ml-dense-route-child.ts
 * (a WebAssembly memory limit, as a browser tab or a memory-limited platform has; on plain Node the wall is 4 GiB).
 *
 * Model Dense(1,1) → ReLU → Dense(1,2), softmax cross-entropy. Two neighbouring data sets, n and n + 1 examples,
 * both declared with the same public N = n + 1 and expectedBatchSize N (q = 1: every example is sampled, the
 * legal full-batch case), default physical batches (one chunk: ⌊2²⁷ / 2⌋ rows). One `step()` each. n is the largest
 * size whose step succeeds, found by bisection. Prints one JSON line:
 *   { n, atN: outcome, atN1: outcome }   with outcome 'ok' or the DpError code of the refusal.
 */
import { relu } from '../../src/learn/activations.js';
import { dense } from '../../src/learn/dense.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

/** One DP-SGD step on `n` examples with the declared N; 'ok' or the refusal's code. */
function stepOutcome(n: number, declared: number): string {
  const rng = new SeededRandomSource('ml-m18');
  const model = new Sequential([dense(1, 1, { rng, name: 'd1' }), relu(1), dense(1, 2, { rng, name: 'd2' })], softmaxCrossEntropy(2));
  const trainer = makePrivate({
    model,
    optimizer: sgd({ learningRate: 0.1 }),
    data: { inputs: new Float64Array(n).fill(1), labels: new Int32Array(n), size: n },
    datasetSize: declared,
    expectedBatchSize: declared,
    noiseMultiplier: 1,
    maxGradNorm: 1,
    rng,
  });
  try {
    trainer.step();
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? 'non-DpError';
  }
}

let lo = 1;
let hi = 1 << 18;
if (stepOutcome(lo, lo + 1) === 'ok' && stepOutcome(hi, hi + 1) !== 'ok') {
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (stepOutcome(mid, mid + 1) === 'ok') lo = mid;
    else hi = mid;
  }
}
console.log(JSON.stringify({ n: lo, atN: stepOutcome(lo, lo + 1), atN1: stepOutcome(lo + 1, lo + 1) }));
