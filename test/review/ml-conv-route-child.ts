/**
 * Child of ml-conv-binary32-route.test.ts (review ML M19), run as
 *   node --wasm-max-mem-pages=<pages> --import tsx test/review/ml-conv-route-child.ts
 *
 * Model Conv2d(1 channel, 1×1 image, one 1×1 filter) → ReLU → Conv2d(1 → 2 channels, 1×1), softmax cross-entropy;
 * public weights filter 1, bias −1, head filters (1000, −1000); every example x = 1 + 2⁻³⁰, label 0. In binary32 (the wasm conv kernels)
 * fl32(x) = 1 and the pre-activation is 0 (ReLU inactive: the conv's gradient is 0); in binary64 (the reference
 * kernels, which conv-ops.ts runs whenever `runWasm` cannot grow the arena for the batch) it is 2⁻³⁰ (active).
 * n = the largest batch whose pass is binary32 (bisection on the conv's gradient, exactly 0 only in binary32).
 * Prints { n, smallIsBinary32, largeIsBinary64, exceeds, ratio, trainerRatio }: whether the clipped sums of n examples
 * and of the same n plus one example of contribution 0 (keep 0) differ by more than C, exactly (BigInt), and the same
 * gap measured through makePrivate/step() (trainerRatio, see trainerGap).
 */
import { relu } from '../../src/learn/activations.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const C = 1;
const rng = new SeededRandomSource('ml-m19');
const conv = conv2d({ inChannels: 1, height: 1, width: 1, outChannels: 1, kernelSize: 1, rng, name: 'c1' });
// The head is a convolution too (1 → 2 channels, 1×1): a Dense head would take Dense's own binary32 route, whose
// memory refusal (M18) would stop the pass before the convolution's fallback is reached.
const head = conv2d({ inChannels: 1, height: 1, width: 1, outChannels: 2, kernelSize: 1, rng, name: 'h2' });
const model = new Sequential([conv, relu(1), head], softmaxCrossEntropy(2));
const [filter, bias] = conv.parameters;
(filter as { value: Float64Array }).value[0] = 1;
(bias as { value: Float64Array }).value[0] = -1;
const [headFilter, headBias] = head.parameters;
(headFilter as { value: Float64Array }).value.set([1000, -1000]);
(headBias as { value: Float64Array }).value.fill(0);

function clippedSum(n: number, extra: boolean): number[] {
  const size = n + (extra ? 1 : 0);
  const inputs = new Float64Array(size).fill(1 + 2 ** -30);
  const labels = new Int32Array(size);
  const keep = new Uint8Array(size).fill(1);
  if (extra) keep[n] = 0;
  for (const p of model.parameters) p.grad.fill(0);
  model.forwardBackward({ inputs, labels, size });
  accumulateClippedGradients(model, size, C, 'flat', keep);
  return model.parameters.flatMap((p) => [...p.grad]);
}
const isBinary32 = (n: number): boolean => clippedSum(n, false)[0] === 0;

function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return exp === 0 ? [frac, -1074] : [frac | (1n << 52n), exp - 1075];
}
/** Whether the exact L2 norm of `values` exceeds `bound` (BigInt). */
function exceeds(values: readonly number[], bound: number): boolean {
  const [bm, be] = decompose(bound);
  const terms = values.filter((v) => v !== 0).map((v) => decompose(v));
  const low = Math.min(2 * be, ...terms.map(([, e]) => 2 * e));
  let sum = 0n;
  for (const [m, e] of terms) sum += (m * m) << BigInt(2 * e - low);
  return sum > (bm * bm) << BigInt(2 * be - low);
}

let lo = 1;
let hi = 1 << 18;
const smallIsBinary32 = isBinary32(lo);
const largeIsBinary64 = !isBinary32(hi);
if (smallIsBinary32 && largeIsBinary64) {
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (isBinary32(mid)) lo = mid;
    else hi = mid;
  }
}
const a = clippedSum(lo, false);
const b = clippedSum(lo, true);
// Each coordinate's difference is itself rounded (2⁻⁵³ relative): nothing beside a gap of 10⁵·C, and exactly 0 when
// both passes run the same kernels on the same rows.
const diff = a.map((v, j) => (b[j] as number) - v);
let sq = 0;
for (const v of diff) sq += v * v;

/**
 * The same through the trainer: one makePrivate step on n examples and on the same n plus one example whose label is
 * out of range (the trainer drops it: contribution 0), q = 1 with the declared N = n + 1, the same seeded randomness
 * (the noise is drawn first, so both steps add the same noise). Returns expectedBatchSize · ‖Δ grad‖ / C: the
 * difference of the two clipped sums (before the noise), up to the grid rounding and float rounding.
 */
function trainerGap(n: number): number {
  const grads = (size: number): number[] => {
    const trng = new SeededRandomSource('ml-m19-trainer');
    const c1 = conv2d({ inChannels: 1, height: 1, width: 1, outChannels: 1, kernelSize: 1, rng: trng, name: 'c1' });
    const h2 = conv2d({ inChannels: 1, height: 1, width: 1, outChannels: 2, kernelSize: 1, rng: trng, name: 'h2' });
    const m = new Sequential([c1, relu(1), h2], softmaxCrossEntropy(2));
    (c1.parameters[0] as { value: Float64Array }).value[0] = 1;
    (c1.parameters[1] as { value: Float64Array }).value[0] = -1;
    (h2.parameters[0] as { value: Float64Array }).value.set([1000, -1000]);
    (h2.parameters[1] as { value: Float64Array }).value.fill(0);
    const labels = new Int32Array(size);
    if (size > n) labels[n] = 5; // out of range for 2 classes: dropped by the trainer
    const trainer = makePrivate({
      model: m,
      optimizer: sgd({ learningRate: 1e-6 }),
      data: { inputs: new Float64Array(size).fill(1 + 2 ** -30), labels, size },
      datasetSize: n + 1,
      expectedBatchSize: n + 1,
      noiseMultiplier: 1e-3,
      maxGradNorm: C,
      rng: trng,
    });
    trainer.step();
    return m.parameters.flatMap((p) => [...p.grad]);
  };
  const g0 = grads(n);
  const g1 = grads(n + 1);
  let s2 = 0;
  for (let j = 0; j < g0.length; j++) s2 += ((g1[j] as number) - (g0[j] as number)) ** 2;
  return ((n + 1) * Math.sqrt(s2)) / C;
}
console.log(
  JSON.stringify({
    n: lo,
    smallIsBinary32,
    largeIsBinary64,
    exceeds: exceeds(diff, C),
    ratio: Math.sqrt(sq) / C,
    trainerRatio: trainerGap(lo),
  }),
);
