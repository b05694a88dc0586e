/**
 * Child of ml-conv-binary32-route.test.ts (review ML M19), run as
 *   node --wasm-max-mem-pages=<pages> --import tsx test/review/ml-conv-route-child.ts
 *
 * Model Conv2d(1 channel, 1×1 image, one 1×1 filter) → ReLU → Dense(1,2), softmax cross-entropy; public weights
 * filter 1, bias −1, W₂ = (1000, −1000); every example x = 1 + 2⁻³⁰, label 0. In binary32 (the wasm conv kernels)
 * fl32(x) = 1 and the pre-activation is 0 (ReLU inactive: the conv's gradient is 0); in binary64 (the reference
 * kernels, which conv-ops.ts runs whenever `runWasm` cannot grow the arena for the batch) it is 2⁻³⁰ (active).
 * n = the largest batch whose pass is binary32 (bisection on the conv's gradient, exactly 0 only in binary32).
 * Prints { n, smallIsBinary32, largeIsBinary64, exceeds, ratio }: whether the clipped sums of n examples and of the
 * same n plus one example of contribution 0 (keep 0) differ by more than C, exactly (BigInt).
 */
import { relu } from '../../src/learn/activations.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { dense } from '../../src/learn/dense.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const C = 1;
const rng = new SeededRandomSource('ml-m19');
const conv = conv2d({ inChannels: 1, height: 1, width: 1, outChannels: 1, kernelSize: 1, rng, name: 'c1' });
const head = dense(1, 2, { rng, name: 'd2' });
const model = new Sequential([conv, relu(1), head], softmaxCrossEntropy(2));
const [filter, bias] = conv.parameters;
(filter as { value: Float64Array }).value[0] = 1;
(bias as { value: Float64Array }).value[0] = -1;
head.weight.value[0] = 1000;
head.weight.value[1] = -1000;
head.bias.value.fill(0);

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
console.log(JSON.stringify({ n: lo, smallIsBinary32, largeIsBinary64, exceeds: exceeds(diff, C), ratio: Math.sqrt(sq) / C }));
